#include <QTest>
class TestAdminContract : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestAdminContract)
#include "tst_admincontract.moc"
