"""`nnstudio lessons`: the built-in course on the command line.

    nnstudio lessons [--json]                 list the lessons, their steps and goals
    nnstudio lessons --open ID -o FILE        write a lesson's starting project
    nnstudio lessons --check ID PROJECT       which of the lesson's goals a project meets

No torch and no Qt: a lesson's goals are checked on the runs a project already holds (train it
first with `nnstudio train`). Bad input raises LessonError or ProjectError, which the command
table turns into one line and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nnstudio.core.lessons import Lesson, LessonError, builtin_lesson, builtin_lessons


def add_arguments(parser: argparse.ArgumentParser) -> None:
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--open", metavar="ID", help="write lesson ID's starting project (with -o)")
    action.add_argument("--check", nargs=2, metavar=("ID", "PROJECT"),
                        help="say which goals of lesson ID the project's latest run meets")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="with --open: the .nnstudio file to write; '-' writes it to stdout")
    parser.add_argument("--force", action="store_true",
                        help="with --open: replace FILE if it exists (without it, it is kept)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    if args.output and not args.open:
        raise LessonError("-o/--output goes with --open ID")
    if args.open:
        return _open(args.open, args.output, args.force)
    if args.check:
        return _check(*args.check, as_json=args.json)
    return _list(as_json=args.json)


def _list(as_json: bool) -> int:
    lessons = builtin_lessons()
    if as_json:
        print(json.dumps([_lesson_json(lesson) for lesson in lessons], ensure_ascii=False))
        return 0
    for lesson in lessons:
        print(f"{lesson.id}: {lesson.title}")
        for goal in lesson.goals:
            print(f"    goal: {goal.describe()}")
    return 0


def _lesson_json(lesson: Lesson) -> dict:
    return {"id": lesson.id, "title": lesson.title,
            "steps": [{"text": step.text,
                       **({"goal": step.goal.describe()} if step.goal else {})}
                      for step in lesson.steps]}


def _open(lesson_id: str, output: str | None, force: bool = False) -> int:
    from nnstudio.core.project import dumps_document, project_document, save_project

    if not output:
        raise LessonError("--open needs -o FILE: where to write the lesson's project")
    path = Path(output)
    if output != "-" and path.exists() and not force:  # never replace a file unasked
        raise LessonError(f"{output}: already exists; add --force to replace it")
    lesson = builtin_lesson(lesson_id)
    if output == "-":  # a lesson's project has built-in data and no weights: one file
        sys.stdout.flush()
        sys.stdout.buffer.write(dumps_document(project_document(lesson.project)))
        sys.stdout.flush()
        return 0
    save_project(path, lesson.project)
    print(f"wrote {lesson.title!r} to {output}")
    return 0


def _check(lesson_id: str, project_path: str, as_json: bool) -> int:
    from nnstudio.core.project import load_project

    lesson = builtin_lesson(lesson_id)
    if not Path(project_path).is_file():
        raise LessonError(f"{project_path}: no such project file")
    results = lesson.check(load_project(project_path).project)
    if as_json:
        print(json.dumps([{"goal": r.goal.describe(), "met": r.met,
                           "found": [c.actual for c in r.results]} for r in results],
                         ensure_ascii=False))
        return 0
    for result in results:
        found = "; ".join(c.actual for c in result.results)
        print(f"[{'x' if result.met else ' '}] {result.goal.describe()}  ({found})")
    met = sum(result.met for result in results)
    print(f"{met} of {len(results)} goals met")
    return 0
