#!/bin/sh
# Registers the NN Studio bundle in this folder with the desktop, for the current user: a menu
# entry, the app icon, and the `.nnstudio` project and `.nnlesson` lesson types (double-click
# opens them in NN Studio).
#
#     ./install-desktop.sh              install (again after moving the folder)
#     ./install-desktop.sh --uninstall  remove what install added
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
icons="$here/_internal/resources/icons/app/png"
sizes="16 24 32 48 64 128 256 512"

refresh() {
    # Each cache is optional: desktops without these tools read the folders directly.
    if command -v update-mime-database >/dev/null; then update-mime-database "$data/mime"; fi
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database "$data/applications"
    fi
    if command -v gtk-update-icon-cache >/dev/null; then
        gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$data/applications/nnstudio.desktop" "$data/mime/packages/nnstudio.xml"
    for size in $sizes; do
        rm -f "$data/icons/hicolor/${size}x${size}/apps/nnstudio.png" \
              "$data/icons/hicolor/${size}x${size}/mimetypes/application-x-nnstudio.png" \
              "$data/icons/hicolor/${size}x${size}/mimetypes/application-x-nnstudio-lesson.png"
    done
    refresh
    echo "NN Studio removed from the desktop menu and file types."
    exit 0
fi

if [ ! -x "$here/nnstudio" ]; then
    echo "install-desktop.sh: $here/nnstudio not found; run this script from the NN Studio folder." >&2
    exit 2
fi

mkdir -p "$data/applications" "$data/mime/packages"
for size in $sizes; do
    for kind in apps mimetypes; do mkdir -p "$data/icons/hicolor/${size}x${size}/$kind"; done
    cp "$icons/nnstudio-$size.png" "$data/icons/hicolor/${size}x${size}/apps/nnstudio.png"
    for type in application-x-nnstudio application-x-nnstudio-lesson; do
        cp "$icons/nnstudio-$size.png" "$data/icons/hicolor/${size}x${size}/mimetypes/$type.png"
    done
done
cp "$here/nnstudio-mime.xml" "$data/mime/packages/nnstudio.xml"
# The menu entry runs this folder's executable, wherever the folder was unpacked.
escaped=$(printf '%s' "$here" | sed 's/[&|\\]/\\&/g')  # safe inside the sed replacement
sed "s|^Exec=nnstudio |Exec=\"$escaped/nnstudio\" |" "$here/nnstudio.desktop" \
    > "$data/applications/nnstudio.desktop"
refresh
echo "NN Studio added to the desktop menu; .nnstudio projects and .nnlesson lessons now open with $here/nnstudio"
