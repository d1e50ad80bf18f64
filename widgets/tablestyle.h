#pragma once

class QTableView;

namespace cutover {

// What every list of the console shares: whole rows, one at a time, read-only; alternating rows
// without a grid; one line per row, elided; no row numbers; rows tall enough for the font.
void setUpListTable(QTableView *table);

} // namespace cutover
