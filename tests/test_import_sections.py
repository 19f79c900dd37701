"""Which values an exercise gets: the article's structure attaches them, everything else is checked."""

from __future__ import annotations

import pytest

from audioguide.authoring.importer import ImportArticleError, import_article
from audioguide.authoring.importer.draft import HOLD, REPS


def draft(text: str):
    return import_article(text.encode(), "article.md").draft


def values(exercise) -> list[str]:
    found = []
    for step in exercise.steps:
        if step.kind == HOLD:
            found.append(f"hold {step.value.text}")
        elif step.kind == REPS:
            held = [p.length.text for p in step.tempo if not p.length.check]
            found.append(f"reps {step.value.text}" + (f" (hold {held[0]})" if held else ""))
    for key in ("sets", "rest", "rest_after"):
        value = getattr(exercise, key)
        if value is not None and not value.check:
            found.append(f"{key} {value.text}")
    if exercise.sides is not None:
        found.append("sides")
    return found


PROGRESSIONS = """# Balance

## Heel raises
Stand holding a worktop and rise onto your toes. Repeat 10 times.
Progression: when this feels easy, do 2 sets of 20.

## One-leg stand
Balance on one leg for 10 seconds, then on the other.
Too hard? Make it easier: hold for 5 seconds.
To make it harder, close your eyes and build up to 45 seconds.
"""


def test_progressions_and_regressions_give_no_value_and_are_listed_to_check():
    result = draft(PROGRESSIONS)
    assert [values(e) for e in result.exercises] == [["reps 10"], ["hold 10s", "sides"]]
    assert any("2 sets of 20" in s for s in result.unsure)
    assert any("45 seconds" in s for s in result.unsure)


def test_safety_advice_is_the_routines_safety_line_and_never_a_step():
    text = (
        "# Neck\n\nCheck with your doctor before starting. Stop if the pain gets worse.\n\n"
        "## Chin tuck\nDraw your chin back. Hold for 5 seconds. Stop if you feel dizzy.\n\n"
        "## Side bend\nTip your ear to your shoulder. Hold for 20 seconds.\n"
    )
    imported = import_article(text.encode(), "neck.md")
    safety = imported.draft.safety
    assert "Check with your doctor" in safety and "pain gets worse" in safety and "dizzy" in safety
    spoken = " ".join(step.say for e in imported.draft.exercises for step in e.steps)
    assert "doctor" not in spoken and "dizzy" not in spoken
    assert imported.routine.safety == safety
    assert imported.text.count("Stop if the pain gets worse") == 1


def test_a_protocol_in_phases_gives_its_first_phase_and_names_the_others():
    text = (
        "# Knee replacement\n\n## Phase 1: weeks 0 to 2\n\n### Static quads\nTighten your thigh. "
        "Hold for 5 seconds. Repeat 10 times.\n\n### Heel slides\nSlide your heel up. Repeat 10 times.\n\n"
        "## Phase 2: weeks 2 to 6\n\n### Step-ups\nStep up onto a stair. Repeat 15 times.\n"
    )
    result = draft(text)
    assert [e.name for e in result.exercises] == ["Static quads", "Heel slides"]
    assert any("Phase 2" in s for s in result.skipped)


def test_a_summary_table_gives_its_values_to_the_sections_it_names():
    text = (
        "# Elbow\n\n| Exercise | Sets x Reps | Rest |\n|---|---|---|\n"
        "| Wrist curl | 3 x 15 | 90 s |\n| Isometric hold | 5 x 45 s hold | 60 s |\n\n"
        "## Wrist curl\nHold a light dumbbell and curl your wrist up slowly.\n\n"
        "## Isometric hold\nPush the back of your hand into your other hand.\n"
    )
    result = draft(text)
    assert [values(e) for e in result.exercises] == [
        ["reps 15", "sets 3", "rest 1m30s"],
        ["hold 45s", "sets 5", "rest 1m"],
    ]


def test_run_on_prose_is_cut_at_each_clause_that_starts_an_exercise():
    text = (
        "after my run I find a wall and do a calf stretch, right foot back, and hold that for 20 seconds, "
        "then switch and do the same on the left side, and then it's the standing quad stretch, grab your "
        "ankle and stay there about 30 seconds, and then last of all I lie down and do glute bridges, "
        "15-20 of them, and I do two rounds of those with a minute's rest in between, and the whole thing "
        "takes less than ten minutes"
    )
    result = draft(text)
    assert [(e.name, values(e)) for e in result.exercises] == [
        ("Calf stretch", ["hold 20s", "sides"]),
        ("Standing quad stretch", ["hold 30s"]),
        ("Glute bridges", ["reps 15-20", "sets 2", "rest 1m"]),
    ]
    assert any("ten minutes" in s for s in result.unsure)


def test_a_comment_section_of_a_web_page_gives_nothing():
    page = (
        "<html><body><article><h1>Hamstrings</h1><h2>Lying hamstring stretch</h2>"
        "<p>Loop a strap around your foot and pull the leg up. Hold for 45 seconds.</p>"
        "<h2>Bridge walkouts</h2><p>Walk your heels out. Do 3 sets of 6.</p></article>"
        '<div id="comments" class="comments-area"><ol class="comment-list"><li class="comment">'
        "<p>I hold mine for 90 seconds and do 5 rounds!</p></li></ol></div></body></html>"
    )
    result = import_article(page.encode(), "page.html").draft
    assert [values(e) for e in result.exercises] == [["hold 45s"], ["reps 6", "sets 3"]]
    assert "90" not in import_article(page.encode(), "page.html").text


def test_a_rest_between_sets_said_once_is_every_exercises_rest():
    result = draft("Leg day:\n\nGoblet squat 3x10\nCalf raises 4x15\n\nRest 90s between sets.\n")
    assert [values(e) for e in result.exercises] == [
        ["reps 10", "sets 3", "rest 1m30s"],
        ["reps 15", "sets 4", "rest 1m30s"],
    ]


@pytest.mark.parametrize(
    "text",
    [
        "# Back pain FAQ\n\n## How long will it last?\nMost get better within 6 weeks.\n\n"
        "## Should I rest?\nNo. Bed rest for more than 2 days slows recovery; walk for 10 minutes a day.\n",
        "Muffins\n\n1. Whisk the eggs for 30 seconds.\n2. Bake for 20 minutes, then rest for 10 minutes.\n",
    ],
    ids=["faq", "recipe"],
)
def test_an_article_that_is_no_routine_is_refused_with_its_message(text):
    with pytest.raises(ImportArticleError, match="no exercises found"):
        draft(text)


def test_every_sentence_with_a_number_the_draft_does_not_use_is_listed_to_check():
    text = (
        "# Hips\n\nDo this plan on 3 days of the week. Your review is in 4 weeks.\n\n"
        "## Clamshells\nLie on your side and lift your top knee. Repeat 15 times.\n"
        "Add a band once 15 is easy.\n\n"
        "## Bridge\nLift your hips. Hold for 5 seconds. Do it 10 times.\n\nQuestions: extension 2271.\n"
    )
    unsure = draft(text).unsure
    assert "Your review is in 4 weeks." in unsure and "Questions: extension 2271." in unsure
    assert "Add a band once 15 is easy." in unsure
    assert not any("Repeat 15 times" in s or "Hold for 5 seconds" in s for s in unsure)
