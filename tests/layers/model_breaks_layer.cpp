// Fixture for tests/layers: a "model" that breaks every rule of its layer. Never compiled.
#include "models/servicemodel.h"
#include "widgets/mainwindow.h"
#include <QWidget>
#include <QtWidgets/QLabel>
#include <QNetworkReply>
#include "client/haproxy/haproxybackend.h"
