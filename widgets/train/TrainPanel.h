// TrainPanel: launches a training run of a project as a separate atelier-cli
// process. Recipe (denoise now), the items to train on (a filter over the
// project; the denoiser takes the odd/even half sums among them, split as the
// project's splits say), hyperparameters with defaults and validation, the
// device (CPU or a local GPU with its memory), and a run name. Everything the
// run needs is frozen in its run.json by atelier-cli at launch.
#pragma once

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QCheckBox;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace atelier {

class TrainPanel : public QWidget {
  Q_OBJECT
public:
  explicit TrainPanel(QWidget* parent = nullptr);

  void setProject(const QString& project_dir);
  // The atelier-cli arguments the form stands for; "" in *error when valid.
  QStringList arguments(QString* error) const;
  // Validates and starts the run; false with a message when it cannot.
  bool launch();
  // Fills the form from an earlier run's run.json (its recipe options) and
  // names the new run after it; false with a message when unreadable.
  bool cloneFrom(const QString& run_dir);

  QLineEdit& runName() { return *name_; }
  QLineEdit& filter() { return *where_; }
  QSpinBox& steps() { return *steps_; }
  QSpinBox& batch() { return *batch_; }
  QSpinBox& crop() { return *crop_; }
  QComboBox& device() { return *device_; }
  QDoubleSpinBox& learningRate() { return *lr_; }
  QComboBox& optimizer() { return *optimizer_; }
  QComboBox& normalisation() { return *normalisation_; }
  // Weights to start from (fine-tuning); empty: a random initialisation.
  QLineEdit& initFrom() { return *init_from_; }
  QCheckBox& deterministic() { return *deterministic_; }

signals:
  void launched(const QString& run_dir);
  void message(const QString& text);

private:
  QString defaultRunName() const;

  QString project_;
  QComboBox* recipe_ = nullptr;
  QLineEdit* where_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QSpinBox* batch_ = nullptr;
  QSpinBox* crop_ = nullptr;
  QComboBox* optimizer_ = nullptr;
  QDoubleSpinBox* lr_ = nullptr;
  QComboBox* schedule_ = nullptr;
  QComboBox* precision_ = nullptr;
  QComboBox* device_ = nullptr;
  QComboBox* normalisation_ = nullptr;
  QLineEdit* init_from_ = nullptr;
  QCheckBox* deterministic_ = nullptr;
  QSpinBox* val_every_ = nullptr;
  QSpinBox* checkpoint_every_ = nullptr;
  QLineEdit* name_ = nullptr;
  QPlainTextEdit* notes_ = nullptr;
  QPushButton* start_ = nullptr;
};

} // namespace atelier
