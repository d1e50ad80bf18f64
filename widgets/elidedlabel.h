#pragma once

#include <QLabel>

namespace cutover {

// One line of plain text that never widens its layout: cut with an ellipsis to the width it is
// given, whole in the tooltip. It asks for room for the whole text and insists on none (give it
// a minimum width to keep some of it in view).
class ElidedLabel : public QLabel
{
public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    void setFullText(const QString &text);
    QString fullText() const { return m_full; }
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    // The label's width beyond its text: margins, frame, style sheet padding.
    int overhead() const;
    void updateText();
    QString m_full;
};

} // namespace cutover
