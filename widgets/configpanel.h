#pragma once

#include "changedialog.h"
#include "configparts.h"
#include "client/poller.h"
#include "models/configactions.h"
#include "models/pendingchange.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QAbstractItemModel;
class QAbstractButton;
class QHBoxLayout;
class QLabel;
class QSortFilterProxyModel;
class QStyleOptionViewItem;
class QTableView;

namespace cutover {

// How a row's change state looks in a table cell: in flight blue and italic, failed red.
void styleChangeState(QStyleOptionViewItem *option, ChangeState state);

// What the routes and flags panels share: a header that says how fresh the list is (and plainly
// when it is not), the table, a row of action buttons that are only enabled for a role that may
// use them (each disabled one says why), and a line with the outcome of the last change.
class ConfigPanel : public QWidget
{
    Q_OBJECT

public:
    QTableView *view() const { return m_table; }
    // Every control that changes something at the gateway.
    QList<QAbstractButton *> actionButtons() const { return m_actions; }
    QString headerText() const;
    QString messageText() const;
    // The change dialog this panel opened, while it is open.
    ChangeDialog *activeDialog() const { return m_dialog; }

protected:
    ConfigPanel(const ConfigParts &parts, Source source, QAbstractItemModel *model, int sortRole, QWidget *parent);

    // The row the operator selected, in model terms, or -1.
    int selectedRow() const;
    void addAction(QAbstractButton *button);
    // Something else for the action row (a label); then the stretch that ends the row.
    void addActionRowWidget(QWidget *widget);
    void endActionRow();
    void openDialog(ChangeDialog *dialog);
    // Why the actions cannot be used for the selected row; empty when they can.
    virtual QString blockedReason() const;
    void updateControls();
    void setBanner(const QString &text);

    ConfigParts m_parts;

private:
    void refreshHeader();
    void showOutcome(const ChangeOutcome &outcome);

    Source m_source;
    QLabel *m_header;
    QLabel *m_banner;
    QTableView *m_table;
    QSortFilterProxyModel *m_proxy;
    QHBoxLayout *m_buttons;
    QLabel *m_message;
    QList<QAbstractButton *> m_actions;
    QPointer<ChangeDialog> m_dialog;
    QTimer m_tick;
};

} // namespace cutover
