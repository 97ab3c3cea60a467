# Builds the NN Studio one-folder bundle for Windows from a fresh virtual environment, then runs
# the bundle's own --self-test, with the console executable and with the windowed one.
#
#     powershell -ExecutionPolicy Bypass -File packaging\build.ps1   ->  dist\nnstudio\
#
# dist\nnstudio\nnstudio.exe is the double-click app (no console window); nnstudio-cli.exe, in the
# same folder and sharing its files, is the one for a terminal (subcommands, --self-test output).
# Settings (environment): PYTHON (default "py -3.11" if the launcher exists, else python),
# BUILD_VENV (default $env:TEMP\nnstudio-bundle-venv), NNSTUDIO_BUNDLE_UNTRIMMED=1.
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

$TorchVersion = "2.13.0"
$PyInstallerVersion = "6.22.3"
$Venv = if ($env:BUILD_VENV) { $env:BUILD_VENV } else { Join-Path $env:TEMP "nnstudio-bundle-venv" }

function Invoke-Checked {
    # Native commands do not stop the script on failure by themselves.
    param([string]$Command, [string[]]$Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed ($LASTEXITCODE)" }
}

$started = Get-Date
Write-Host "== fresh venv in $Venv"
if (Test-Path $Venv) { Remove-Item -Recurse -Force $Venv }
if ($env:PYTHON) {
    Invoke-Checked $env:PYTHON @("-m", "venv", $Venv)
} elseif (Get-Command py -ErrorAction SilentlyContinue) {
    Invoke-Checked "py" @("-3.11", "-m", "venv", $Venv)
} else {
    Invoke-Checked "python" @("-m", "venv", $Venv)
}
$Py = Join-Path $Venv "Scripts\python.exe"
Invoke-Checked $Py @("-m", "pip", "install", "-q", "--upgrade", "pip")

Write-Host "== torch $TorchVersion (the Windows wheels are CPU-only), the project, PyInstaller"
Invoke-Checked $Py @("-m", "pip", "install", "-q", "torch==$TorchVersion")
Invoke-Checked $Py @("-m", "pip", "install", "-q", ".")
Invoke-Checked $Py @("-m", "pip", "install", "-q", "pyinstaller==$PyInstallerVersion")
foreach ($old in @("build\nnstudio", "dist\nnstudio")) {
    if (Test-Path $old) { Remove-Item -Recurse -Force $old }
}

Write-Host "== PyInstaller"
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                     "packaging\nnstudio.spec")
$built = Get-Date

$env:QT_QPA_PLATFORM = "offscreen"
Write-Host "== self-test of dist\nnstudio\nnstudio-cli.exe"
Invoke-Checked "dist\nnstudio\nnstudio-cli.exe" @("--self-test")

Write-Host "== self-test of the windowed dist\nnstudio\nnstudio.exe (exit status only)"
$windowed = Start-Process -FilePath "dist\nnstudio\nnstudio.exe" -ArgumentList "--self-test" `
    -Wait -PassThru
if ($windowed.ExitCode -ne 0) { throw "nnstudio.exe --self-test failed ($($windowed.ExitCode))" }
Remove-Item Env:\QT_QPA_PLATFORM

$size = (Get-ChildItem -Recurse -File "dist\nnstudio" | Measure-Object -Sum Length).Sum
Write-Host ("== done in {0:N0} s (build) + {1:N0} s (self-tests); dist\nnstudio is {2:N0} MB" -f `
    ($built - $started).TotalSeconds, ((Get-Date) - $built).TotalSeconds, ($size / 1MB))
