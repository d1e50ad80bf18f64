#pragma once

#include <functional>

class QDialog;
class QString;

namespace cutover {

// Asks, without blocking, whether to throw away what the operator typed (a reason) when a
// dialog is cancelled. "Keep editing" is the default and Esc's answer: Enter or Esc on the
// question never loses the text. `discard` runs only after an explicit "Discard". The question
// is a child of `dialog` named "discardPrompt" (one at a time).
void askToDiscard(QDialog *dialog, const QString &what, const std::function<void()> &discard);

} // namespace cutover
