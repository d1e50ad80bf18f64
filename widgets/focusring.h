#pragma once

class QAbstractItemView;

namespace cutover {

// Makes a list or table one stop in the Tab chain (Tab leaves it, the arrows move inside it)
// and draws a ring in the palette's highlight colour around it while it has the keyboard focus,
// whatever the style draws (Fusion shows none around a table). Idempotent.
void setUpKeyboardFocus(QAbstractItemView *view);

} // namespace cutover
