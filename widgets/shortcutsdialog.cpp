#include "shortcutsdialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QShortcut>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace cutover {

namespace {

// "&Refresh now\tF5" -> "Refresh now"
QString plainText(QString text)
{
    text = text.section(QLatin1Char('\t'), 0, 0);
    text.replace(QLatin1String("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    return text.trimmed();
}

QString keysText(const QList<QKeySequence> &keys)
{
    QStringList texts;
    for (const QKeySequence &k : keys)
        if (!k.isEmpty())
            texts << k.toString(QKeySequence::NativeText);
    return texts.join(QStringLiteral(", "));
}

// Where a shortcut bound to `widget` with `context` works.
QString scopeOf(const QWidget *window, Qt::ShortcutContext context, const QWidget *widget)
{
    if (context == Qt::WindowShortcut || context == Qt::ApplicationShortcut || !widget || widget == window)
        return ShortcutsDialog::tr("Anywhere");
    for (const QWidget *w = widget; w && w != window; w = w->parentWidget()) {
        if (auto *dock = qobject_cast<const QDockWidget *>(w))
            return ShortcutsDialog::tr("In the %1 panel").arg(dock->windowTitle());
        if (auto *main = qobject_cast<const QMainWindow *>(window); main && w == main->centralWidget())
            return ShortcutsDialog::tr("In the board");
    }
    return ShortcutsDialog::tr("In %1").arg(widget->accessibleName().isEmpty() ? widget->objectName() : widget->accessibleName());
}

} // namespace

QList<ShortcutsDialog::Entry> ShortcutsDialog::entries(const QWidget *window)
{
    QList<Entry> list;
    for (const QAction *action : window->findChildren<QAction *>()) {
        const QString keys = keysText(action->shortcuts());
        if (keys.isEmpty() || action->text().isEmpty())
            continue;
        const QWidget *bound = nullptr;
        for (const QObject *o : action->associatedObjects())
            if (auto *w = qobject_cast<const QWidget *>(o); w && !qobject_cast<const QMenu *>(w))
                bound = w;
        // A menu's short entry ("Board") may say more for this list in its status tip.
        const QString what = action->statusTip().isEmpty() ? plainText(action->text()) : action->statusTip();
        list.append({what, keys, scopeOf(window, action->shortcutContext(), bound)});
    }
    for (const QShortcut *shortcut : window->findChildren<QShortcut *>()) {
        const QString keys = keysText(shortcut->keys());
        if (keys.isEmpty())
            continue;
        const QString what = shortcut->whatsThis().isEmpty() ? shortcut->objectName() : shortcut->whatsThis();
        list.append({what, keys, scopeOf(window, shortcut->context(), qobject_cast<const QWidget *>(shortcut->parent()))});
    }
    const QString anywhere = tr("Anywhere");
    // What works anywhere first, then by panel; by key within each (Ctrl+1 … Ctrl+7 in order).
    std::stable_sort(list.begin(), list.end(), [&anywhere](const Entry &a, const Entry &b) {
        const bool aAnywhere = a.scope == anywhere;
        const bool bAnywhere = b.scope == anywhere;
        if (aAnywhere != bAnywhere)
            return aAnywhere;
        if (a.scope != b.scope)
            return a.scope < b.scope;
        return a.keys < b.keys;
    });
    return list;
}

ShortcutsDialog::ShortcutsDialog(QWidget *window, QWidget *parent)
    : QDialog(parent)
    , m_table(new QTableWidget(0, 3))
{
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard shortcuts — Cutover"));
    auto *layout = new QVBoxLayout(this);
    m_table->setObjectName(QStringLiteral("shortcutsTable"));
    m_table->setHorizontalHeaderLabels({tr("Action"), tr("Keys"), tr("Where")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setTabKeyNavigation(false);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    const QList<Entry> list = entries(window);
    m_table->setRowCount(int(list.size()));
    for (int row = 0; row < list.size(); ++row) {
        const Entry &e = list.at(row);
        const QStringList cells {e.action, e.keys, e.scope};
        for (int col = 0; col < cells.size(); ++col)
            m_table->setItem(row, col, new QTableWidgetItem(cells.at(col)));
    }
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_table, 1);

    auto *dialogs = new QLabel(tr("In dialogs: Enter applies a change only once it is complete, and never engages or "
                                  "releases the emergency rollback (its button does, or Ctrl+Enter after every "
                                  "confirmation is typed). Esc cancels, and asks first if you typed a reason."));
    dialogs->setWordWrap(true);
    layout->addWidget(dialogs);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    int width = 0;
    for (int col = 0; col < m_table->columnCount(); ++col)
        width += m_table->columnWidth(col);
    const int rows = m_table->horizontalHeader()->height() + m_table->rowCount() * m_table->verticalHeader()->defaultSectionSize();
    resize(std::max(560, width + 60), std::min(640, rows + 140));
}

} // namespace cutover
