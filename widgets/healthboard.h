#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace cutover {

class ElidedLabel;

class BoardState;
class ServiceModel;

// The health board: every service and the gateway with status, live traffic numbers and a
// trend line; sortable, filterable; what needs attention stands out. Selecting a row selects
// that service for the charts and the log filter.
class HealthBoard : public QWidget
{
    Q_OBJECT

public:
    explicit HealthBoard(BoardState *state, QWidget *parent = nullptr);

    QTableView *view() const { return m_table; }
    QLineEdit *filterField() const { return m_filter; }
    QString summaryText() const;

private:
    void updateSummary();
    void selectionChanged();

    BoardState *m_state;
    ServiceModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    ElidedLabel *m_summary;
    QLineEdit *m_filter;
};

} // namespace cutover
