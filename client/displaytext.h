#pragma once

// Text from a gateway (reasons, actors, log fields, error messages) is shown to people, in a
// terminal and in the GUI. It must never steer what shows it: a raw ESC can clear or retitle an
// operator's terminal, a CR/LF can forge lines, and a bidi override can show "gnp.exe" as
// "exe.png". inertText() is the one rendering every human-readable output uses.

#include <QList>
#include <QString>
#include <QStringView>
#include <QVariant>

namespace cutover {

// True for a code point that must not reach a display as itself: C0 controls (incl. ESC, CR, LF,
// TAB, NUL), DEL, C1 controls (U+0080-009F), the bidi embeddings, overrides, isolates and marks
// (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C) and the line/paragraph separators
// (U+2028, U+2029), which Qt lays out as line breaks.
bool isUnsafeForDisplay(char32_t codePoint);

// `text` with every unsafe code point replaced by a visible escape: "\e" (ESC), "\n", "\r",
// "\t", "\0", "\xHH" for the other C0 controls and DEL, "<U+HHHH>" for C1, bidi and separators.
// Everything else (accents, CJK, emoji, right-to-left letters without overrides) is untouched,
// and so is a backslash: an escape may be ambiguous with literal text, but never active.
QString inertText(QStringView text);

// As inertText(), also telling where each input position went: offsets[i] is the position in the
// result of input character i, and offsets[text.size()] the result's length. For highlighting
// ranges found in the raw text on the rendered text.
QString inertText(QStringView text, QList<qsizetype> *offsets);

// As inertText(), but line breaks ("\n") pass: for our own multi-line text (terminal output,
// tooltips) in which gateway strings were already placed. Everything else unsafe is escaped.
QString inertLines(QStringView text);

// For a model's data(): a string for Qt::DisplayRole rendered with inertText(), one for
// Qt::ToolTipRole with inertLines(); every other role and value as it is (sorting, filters and
// copying keep the exact text).
QVariant inertForDisplay(const QVariant &value, int role);

// Whether inertText() would change `text`.
bool hasUnsafeForDisplay(QStringView text);

} // namespace cutover
