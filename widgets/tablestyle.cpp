#include "tablestyle.h"

#include <QAction>
#include <QHeaderView>
#include <QMenu>
#include <QTableView>

#include <algorithm>

namespace cutover {

void setUpListTable(QTableView *table)
{
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideRight);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(std::max(26, table->fontMetrics().height() + 8));
}

QMenu *columnMenu(QTableView *table, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    QHeaderView *header = table->horizontalHeader();
    QAbstractItemModel *model = table->model();
    for (int column = 0; model && column < model->columnCount(); ++column) {
        QAction *show = menu->addAction(model->headerData(column, Qt::Horizontal).toString());
        show->setCheckable(true);
        show->setChecked(!header->isSectionHidden(column));
        show->setEnabled(column != 0);
        QObject::connect(show, &QAction::toggled, table, [table, column](bool on) { table->setColumnHidden(column, !on); });
    }
    menu->addSeparator();
    QAction *all = menu->addAction(QObject::tr("Show all columns"));
    QObject::connect(all, &QAction::triggered, table, [table] {
        for (int column = 0; table->model() && column < table->model()->columnCount(); ++column)
            table->setColumnHidden(column, false);
    });
    return menu;
}

void enableColumnChooser(QTableView *table)
{
    QHeaderView *header = table->horizontalHeader();
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(header, &QWidget::customContextMenuRequested, table, [table, header](const QPoint &pos) {
        QMenu *menu = columnMenu(table, table);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(header->viewport()->mapToGlobal(pos));
    });
}

} // namespace cutover
