#include "discardprompt.h"

#include <QDialog>
#include <QMessageBox>
#include <QPushButton>

namespace cutover {

void askToDiscard(QDialog *dialog, const QString &what, const std::function<void()> &discard)
{
    for (QMessageBox *open : dialog->findChildren<QMessageBox *>(QStringLiteral("discardPrompt"), Qt::FindDirectChildrenOnly)) {
        if (open->isVisible()) {
            open->raise();
            return;
        }
    }
    auto *box = new QMessageBox(QMessageBox::Question, QObject::tr("Discard? — Cutover"),
                                QObject::tr("Discard %1?").arg(what), QMessageBox::NoButton, dialog);
    box->setObjectName(QStringLiteral("discardPrompt"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(QObject::tr("It is lost if you close this dialog now."));
    QPushButton *drop = box->addButton(QObject::tr("Discard"), QMessageBox::DestructiveRole);
    drop->setObjectName(QStringLiteral("discardButton"));
    QPushButton *keep = box->addButton(QObject::tr("Keep editing"), QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepEditingButton"));
    box->setDefaultButton(keep);
    box->setEscapeButton(keep);
    QObject::connect(box, &QMessageBox::buttonClicked, dialog, [drop, discard](QAbstractButton *clicked) {
        if (clicked == drop)
            discard();
    });
    box->open();
}

} // namespace cutover
