#pragma once

#include <QDialog>

class QTableWidget;

namespace cutover {

// Help → Keyboard shortcuts: every action with a key registered in `window` (its menus, its
// panels and their widgets), read from the actions themselves when the dialog is made, with
// where each one works (anywhere in the window, or in one panel). Nothing here is a list kept
// by hand: a new action with a shortcut shows up by itself.
class ShortcutsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ShortcutsDialog(QWidget *window, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }

    struct Entry
    {
        QString action;
        QString keys;  // native text, several separated by ", "
        QString scope; // "Anywhere" or the panel's name
    };
    // What the dialog lists for `window`, in its order.
    static QList<Entry> entries(const QWidget *window);

private:
    QTableWidget *m_table;
};

} // namespace cutover
