// Fixture for tests/layers: a "model" that keeps to its layer. Never compiled.
#include "model_keeps_layer.moc"
#include "client/domain.h"
#include "client/haproxy/persistence.h"
#include "models/servicemodel.h"
#include <QAbstractTableModel>
#include <QtCore/QString>
#include <nlohmann/json.hpp>
#include <vector>
