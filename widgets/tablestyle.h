#pragma once

class QMenu;
class QTableView;
class QWidget;

namespace cutover {

// What every list of the console shares: whole rows, one at a time, read-only; alternating rows
// without a grid; one line per row, elided; no row numbers; rows tall enough for the font.
void setUpListTable(QTableView *table);

// Right-clicking the table's header offers columnMenu(): the operator chooses which columns show.
void enableColumnChooser(QTableView *table);
// One checkable entry per column (the first always shows, so it cannot be unchecked), then
// "Show all columns". The caller owns the menu.
QMenu *columnMenu(QTableView *table, QWidget *parent);

} // namespace cutover
