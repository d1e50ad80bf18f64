#include "auditpanel.h"
#include "client/displaytext.h"

#include "models/auditlog.h"
#include "tablestyle.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace cutover {

namespace {

QString kindTitle(const QString &kind)
{
    if (kind == QLatin1String("route"))
        return AuditPanel::tr("Route changes");
    if (kind == QLatin1String("flag"))
        return AuditPanel::tr("Flag changes");
    if (kind == QLatin1String("rollback"))
        return AuditPanel::tr("Rollbacks");
    if (kind == QLatin1String("sim"))
        return AuditPanel::tr("Simulator faults");
    return kind;
}

// Entries from before a gateway restart, greyed: still there to read, plainly not current.
class PreviousInstanceDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.data(AuditLog::PreviousInstanceRole).toBool()) {
            option->palette.setColor(QPalette::Text, QColor(0x9c, 0xa3, 0xaf));
            option->font.setItalic(true);
        }
    }
};

} // namespace

AuditPanel::AuditPanel(AuditLog *log, QWidget *parent)
    : QWidget(parent)
    , m_log(log)
    , m_filter(new AuditFilter(this))
    , m_text(new QLineEdit)
    , m_actor(new QComboBox)
    , m_kind(new QComboBox)
    , m_count(new QLabel)
    , m_restartNotice(new QLabel)
    , m_view(new QTableView)
    , m_details(new QTextBrowser)
{
    setObjectName(QStringLiteral("auditPanel"));
    m_filter->setSourceModel(m_log);
    // Newest first: the change that matters at 3 a.m. is the last one (and a restarted gateway's
    // entries above the previous instance's, whatever their ids).
    m_filter->setSortRole(AuditLog::OrderRole);
    m_filter->sort(0, Qt::DescendingOrder);

    m_text->setObjectName(QStringLiteral("auditFilter"));
    m_text->setPlaceholderText(tr("Filter changes: route, flag, reason, person\u2026"));
    m_text->setClearButtonEnabled(true);
    m_actor->setObjectName(QStringLiteral("auditActor"));
    m_kind->setObjectName(QStringLiteral("auditKind"));
    m_actor->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_kind->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_count->setStyleSheet(QStringLiteral("color: #6b7280;"));

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_text, 1);
    top->addWidget(m_actor);
    top->addWidget(m_kind);
    top->addWidget(m_count);

    m_view->setModel(m_filter);
    setUpListTable(m_view);
    m_view->setItemDelegate(new PreviousInstanceDelegate(m_view));
    m_restartNotice->setObjectName(QStringLiteral("auditRestartNotice"));
    m_restartNotice->setTextFormat(Qt::PlainText);
    m_restartNotice->setWordWrap(true);
    m_restartNotice->setStyleSheet(QStringLiteral(
        "QLabel { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; border-radius: 4px; padding: 4px 8px; }"));
    m_restartNotice->hide();
    QHeaderView *header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->resizeSection(AuditLog::TimeColumn, m_view->fontMetrics().horizontalAdvance(QStringLiteral("2026-11-26 04:38:45")) + 16);
    header->resizeSection(AuditLog::ActorColumn,
                          m_view->fontMetrics().horizontalAdvance(QStringLiteral("demo-operator (operator)")) + 16);
    header->resizeSection(AuditLog::ActionColumn, 130);
    header->resizeSection(AuditLog::TargetColumn, 190);
    header->resizeSection(AuditLog::ChangeColumn, 340);
    header->setStretchLastSection(true);

    m_details->setObjectName(QStringLiteral("auditDetails"));
    m_details->setOpenLinks(false);
    m_details->setPlaceholderText(tr("Select a change to see it in full."));
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_view);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(6);
    layout->addLayout(top);
    layout->addWidget(m_restartNotice);
    layout->addWidget(split, 1);

    connect(m_text, &QLineEdit::textChanged, m_filter, &AuditFilter::setText);
    connect(m_actor, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setActor(m_actor->currentData().toString()); });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] { m_filter->setKind(m_kind->currentData().toString()); });
    connect(m_log, &AuditLog::entriesAdded, this, &AuditPanel::refreshChoices);
    connect(m_log, &QAbstractItemModel::modelReset, this, &AuditPanel::refreshChoices);
    connect(m_log, &AuditLog::restarted, this, &AuditPanel::showRestart);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &AuditPanel::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &AuditPanel::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &AuditPanel::updateCount);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AuditPanel::showDetails);
    connect(m_filter, &QAbstractItemModel::dataChanged, this, &AuditPanel::showDetails);
    refreshChoices();
    showRestart();
}

void AuditPanel::showRestart()
{
    if (!m_log->restartedAt().isValid()) {
        m_restartNotice->hide();
        return;
    }
    m_restartNotice->setText(tr("The gateway restarted (%1), noticed at %2. Entries in grey are from its previous "
                                "instance; the new instance's audit log follows above them.")
                                 .arg(m_log->restartDescription(),
                                      m_log->restartedAt().toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
    m_restartNotice->show();
}

QString AuditPanel::detailsText() const
{
    return m_details->toPlainText();
}

void AuditPanel::refreshChoices()
{
    // Keep what is chosen while new actors and kinds appear.
    auto fill = [](QComboBox *box, const QString &all, const QStringList &values, auto title) {
        const QString current = box->currentData().toString();
        const QSignalBlocker block(box);
        box->clear();
        box->addItem(all, QString());
        for (const QString &v : values)
            box->addItem(title(v), v);
        box->setCurrentIndex(std::max(0, box->findData(current)));
    };
    fill(m_actor, tr("Everyone"), m_log->actors(), [](const QString &v) { return v; });
    fill(m_kind, tr("All changes"), m_log->kinds(), &kindTitle);
    updateCount();
}

void AuditPanel::updateCount()
{
    const int shown = m_filter->rowCount();
    const int all = m_log->rowCount();
    m_count->setText(shown == all ? tr("%n change(s)", nullptr, all) : tr("%1 of %n change(s)", nullptr, all).arg(shown));
}

void AuditPanel::showDetails()
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) {
        m_details->clear();
        return;
    }
    const int row = m_filter->mapToSource(current).row();
    if (row < 0)
        return;
    const AuditEntry &e = m_log->entry(row);
    QString html = tr("<p><b>#%1 %2</b> on <b>%3</b> by <b>%4</b> (%5) at %6</p>")
                       .arg(e.id)
                       .arg(inertText(e.action).toHtmlEscaped(), inertText(e.target).toHtmlEscaped(),
                            inertText(e.actor).toHtmlEscaped(), inertText(e.role).toHtmlEscaped(), e.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    html += tr("<p><b>Why:</b> %1</p>").arg(e.reason.isEmpty() ? tr("(no reason given)") : inertText(e.reason).toHtmlEscaped());
    const QString change = AuditLog::changeSummary(e.before, e.after);
    if (!change.isEmpty()) {
        html += QStringLiteral("<ul>");
        for (const QString &part : change.split(QStringLiteral("; ")))
            html += QStringLiteral("<li>") + inertText(part).toHtmlEscaped() + QStringLiteral("</li>");
        html += QStringLiteral("</ul>");
    }
    if (const auto ttr = m_log->recoveryTime(e.id))
        html += tr("<p><b>Time to recovery</b> (engage \u2192 error rate and p95 within the SLO again, measured by this "
                   "console): %1</p>")
                    .arg(AuditLog::formatDuration(*ttr));
    QStringList ids;
    if (!e.requestId.isEmpty())
        ids << tr("request %1").arg(inertText(e.requestId).toHtmlEscaped());
    if (!e.idempotencyKey.isEmpty())
        ids << tr("idempotency key %1").arg(inertText(e.idempotencyKey).toHtmlEscaped());
    if (!ids.isEmpty())
        html += QStringLiteral("<p style='color:#6b7280'>") + ids.join(QStringLiteral(" \u00b7 ")) + QStringLiteral("</p>");
    m_details->setHtml(html);
}

} // namespace cutover
