// TrainPanel: the launch form.
#include "widgets/train/TrainPanel.h"

#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/recipes/denoise/unet_checkpoint.h"
#include "core/run/checkpoint.h"
#include "core/run/run_dir.h"
#include "widgets/train/cli_process.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTimer>

#include <memory>

namespace atelier {

TrainPanel::TrainPanel(QWidget* parent) : QWidget(parent) {
  auto* form = new QFormLayout(this);
  recipe_ = new QComboBox(this);
  recipe_->addItem(tr("Denoise (Noise2Noise on odd/even half sums)"), "denoise");
  form->addRow(tr("&Recipe"), recipe_);
  where_ = new QLineEdit("status = accept", this);
  where_->setToolTip(tr("Which items to train on (the filter language of the grid); the "
                        "project's splits decide training and validation, test items stay out"));
  form->addRow(tr("&Items"), where_);
  steps_ = new QSpinBox(this);
  steps_->setRange(1, 10'000'000);
  steps_->setValue(1000);
  batch_ = new QSpinBox(this);
  batch_->setRange(1, 1024);
  batch_->setValue(8);
  crop_ = new QSpinBox(this);
  crop_->setRange(32, 4096);
  crop_->setSingleStep(32);
  crop_->setValue(512);
  crop_->setToolTip(tr("Training crop in pixels, a multiple of 32"));
  form->addRow(tr("&Steps"), steps_);
  form->addRow(tr("&Batch"), batch_);
  form->addRow(tr("&Crop"), crop_);
  optimizer_ = new QComboBox(this);
  optimizer_->addItems({"adam", "adamw", "sgd"});
  lr_ = new QDoubleSpinBox(this);
  lr_->setDecimals(6);
  lr_->setRange(1e-7, 10);
  lr_->setSingleStep(1e-4);
  lr_->setValue(1e-3);
  schedule_ = new QComboBox(this);
  schedule_->addItems({"constant", "cosine", "wsd"});
  precision_ = new QComboBox(this);
  for (const std::string& name : engine::precision_names())
    precision_->addItem(QString::fromStdString(name));
  precision_->setToolTip(tr("GPU arithmetic: bf16 on Ampere and newer, fp16 on Turing (with a "
                            "loss scale); the CPU computes in fp32"));
  form->addRow(tr("&Optimizer"), optimizer_);
  form->addRow(tr("&Learning rate"), lr_);
  form->addRow(tr("Sc&hedule"), schedule_);
  form->addRow(tr("&Precision"), precision_);
  device_ = new QComboBox(this);
  for (const auto& d : engine::compute_devices())
    device_->addItem(QString::fromStdString(d.label), QString::fromStdString(d.id));
  device_->setCurrentIndex(device_->count() > 1 ? 1 : 0); // a GPU when there is one
  form->addRow(tr("&Device"), device_);
  normalisation_ = new QComboBox(this);
  normalisation_->addItem(tr("Each image by its own mean and std"), "image");
  normalisation_->addItem(tr("One dataset record (the training pairs' mean and std)"), "dataset");
  normalisation_->setToolTip(
      tr("How pixels are scaled for the network, in training and when denoising with the run. "
         "One record for the whole dataset (pooled from the statistics import measured on the "
         "training half sums) keeps brightness differences between micrographs; per image "
         "suits inputs on another scale (full sums with a model trained on half sums)"));
  form->addRow(tr("&Normalisation"), normalisation_);
  init_from_ = new QLineEdit(this);
  init_from_->setPlaceholderText(tr("random weights"));
  init_from_->setClearButtonEnabled(true);
  init_from_->setToolTip(
      tr("Fine-tune: start from a checkpoint of another run, or a U-Net state dict saved by "
         "PyTorch (.safetensors); the model follows the file"));
  auto* browse = new QPushButton(tr("Bro&wse…"), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Start from Weights"),
                                                      QFileInfo(init_from_->text()).absolutePath(),
                                                      tr("U-Net weights (*.safetensors)"));
    if (!path.isEmpty()) init_from_->setText(path);
  });
  auto* init_row = new QHBoxLayout;
  init_row->addWidget(init_from_, 1);
  init_row->addWidget(browse);
  form->addRow(tr("Start &from"), init_row);
  deterministic_ = new QCheckBox(tr("Repeatable on a GPU (deterministic engines, slower)"), this);
  deterministic_->setToolTip(
      tr("The same bits run after run on the same GPU and software; the CPU always is"));
  form->addRow(QString(), deterministic_);
  val_every_ = new QSpinBox(this);
  val_every_->setRange(1, 1'000'000);
  val_every_->setValue(100);
  checkpoint_every_ = new QSpinBox(this);
  checkpoint_every_->setRange(1, 1'000'000);
  checkpoint_every_->setValue(500);
  form->addRow(tr("&Validate every"), val_every_);
  form->addRow(tr("Checkpoint ever&y"), checkpoint_every_);
  name_ = new QLineEdit(this);
  name_->setPlaceholderText(tr("letters, digits, - _ ."));
  form->addRow(tr("Run &name"), name_);
  notes_ = new QPlainTextEdit(this);
  notes_->setPlaceholderText(tr("Notes (kept in the run folder as notes.txt)"));
  notes_->setMaximumHeight(60);
  form->addRow(tr("No&tes"), notes_);
  start_ = new QPushButton(tr("S&tart training"), this);
  form->addRow(start_);
  connect(start_, &QPushButton::clicked, this, &TrainPanel::launch);
  setEnabled(false);
}

void TrainPanel::setProject(const QString& project_dir) {
  project_ = project_dir;
  name_->setText(defaultRunName());
  setEnabled(!project_.isEmpty());
}

QString TrainPanel::defaultRunName() const {
  return recipe_->currentData().toString() + "-" +
         QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
}

QStringList TrainPanel::arguments(QString* error) const {
  error->clear();
  const QString name = name_->text().trimmed();
  static const QRegularExpression valid("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
  if (!valid.match(name).hasMatch()) {
    *error = tr("Run name '%1': use up to 100 letters, digits, '-', '_' or '.', starting with a "
                "letter or digit")
                 .arg(name);
    return {};
  }
  const QString run_dir = QDir(project_).filePath("runs/" + name);
  if (QFileInfo::exists(run_dir)) {
    *error = tr("%1 exists already: choose another run name").arg(run_dir);
    return {};
  }
  if (crop_->value() % 32 != 0) {
    *error = tr("The crop must be a multiple of 32 (%1 is not)").arg(crop_->value());
    return {};
  }
  if (val_every_->value() > steps_->value()) {
    *error = tr("Validation every %1 steps never happens in %2 steps")
                 .arg(val_every_->value())
                 .arg(steps_->value());
    return {};
  }
  const QString device = device_->currentData().toString();
  // The model is the device's default, or (left to the trainer) the one the
  // starting weights are; weights that do not read are refused here.
  const QString init_from = init_from_->text().trimmed();
  if (!init_from.isEmpty()) {
    try {
      const run::Checkpoint c = denoise::read_unet_weights(init_from.toStdString());
      (void)denoise::unet_config_from_checkpoint(c, init_from.toStdString());
    } catch (const std::exception& e) {
      *error = QString::fromStdString(e.what());
      return {};
    }
  }
  QStringList args{"train",
                   "--recipe",
                   recipe_->currentData().toString(),
                   "--project",
                   project_,
                   "--run-dir",
                   run_dir,
                   "--steps",
                   QString::number(steps_->value()),
                   "--batch",
                   QString::number(batch_->value()),
                   "--crop",
                   QString::number(crop_->value()),
                   "--optimizer",
                   optimizer_->currentText(),
                   "--lr",
                   QString::number(lr_->value(), 'g', 8),
                   "--schedule",
                   schedule_->currentText(),
                   "--precision",
                   precision_->currentText(),
                   "--device",
                   device,
                   "--val-every",
                   QString::number(val_every_->value()),
                   "--checkpoint-every",
                   QString::number(checkpoint_every_->value()),
                   "--normalisation",
                   normalisation_->currentData().toString(),
                   "--quiet"};
  if (!where_->text().trimmed().isEmpty()) args << "--where" << where_->text().trimmed();
  if (init_from.isEmpty())
    args << "--model" << QString::fromStdString(engine::default_model(device.toStdString()));
  else
    args << "--init-from" << init_from;
  if (deterministic_->isChecked()) args << "--deterministic";
  return args;
}

bool TrainPanel::cloneFrom(const QString& run_dir) {
  run::JsonNode root;
  const std::string path = QDir(run_dir).filePath("run.json").toStdString();
  try {
    root = run::read_run_json(run_dir.toStdString());
  } catch (const Error& e) {
    emit message(QString::fromStdString(e.what()));
    return false;
  }
  const run::JsonNode* o = root.find("options");
  if (!o) {
    emit message(tr("%1: no options to clone").arg(QString::fromStdString(path)));
    return false;
  }
  auto number = [o](const char* key, auto set) {
    if (const run::JsonNode* n = o->find(key); n && n->is_number()) set(n->number);
  };
  auto text = [o](const char* key, QComboBox* box) {
    if (const run::JsonNode* n = o->find(key); n && n->kind == run::JsonNode::Kind::string) {
      const int i = box->findText(QString::fromStdString(n->text));
      const int j = box->findData(QString::fromStdString(n->text));
      if (i >= 0)
        box->setCurrentIndex(i);
      else if (j >= 0)
        box->setCurrentIndex(j);
    }
  };
  number("steps", [this](double v) { steps_->setValue(int(v)); });
  number("batch", [this](double v) { batch_->setValue(int(v)); });
  number("crop", [this](double v) { crop_->setValue(int(v)); });
  number("lr", [this](double v) { lr_->setValue(v); });
  number("val_every", [this](double v) { val_every_->setValue(int(v)); });
  number("checkpoint_every", [this](double v) { checkpoint_every_->setValue(int(v)); });
  text("optimizer", optimizer_);
  text("schedule", schedule_);
  text("precision", precision_);
  text("device", device_);
  text("normalisation", normalisation_);
  const run::JsonNode* from = o->find("init_from");
  init_from_->setText(from && from->kind == run::JsonNode::Kind::string
                          ? QString::fromStdString(from->text)
                          : QString());
  const run::JsonNode* repeatable = o->find("deterministic");
  deterministic_->setChecked(repeatable && repeatable->kind == run::JsonNode::Kind::boolean &&
                             repeatable->boolean);
  QString name = QFileInfo(run_dir).fileName() + "-clone";
  for (int k = 2; QFileInfo::exists(QDir(project_).filePath("runs/" + name)); ++k)
    name = QFileInfo(run_dir).fileName() + "-clone" + QString::number(k);
  name_->setText(name);
  emit message(tr("Settings of %1 loaded: edit them and start").arg(QFileInfo(run_dir).fileName()));
  return true;
}

bool TrainPanel::launch() {
  QString error;
  const QStringList args = arguments(&error);
  if (args.isEmpty()) {
    emit message(error);
    return false;
  }
  const QString run_dir = args.at(args.indexOf("--run-dir") + 1);
  QDir().mkpath(QDir(project_).filePath("runs"));
  // atelier-cli creates the run folder; its own output goes beside it until then.
  const QString output = run_dir + ".stdout.txt";
  if (!start_cli_detached(args, output, &error)) {
    emit message(error);
    return false;
  }
  if (!notes_->toPlainText().trimmed().isEmpty()) {
    // Written once the process has created the folder (checked for 10 s).
    auto* wait = new QTimer(this);
    auto tries = std::make_shared<int>(0);
    connect(wait, &QTimer::timeout, this, [wait, tries, run_dir, notes = notes_->toPlainText()] {
      if (QFileInfo::exists(QDir(run_dir).filePath("run.json"))) {
        QFile f(QDir(run_dir).filePath("notes.txt"));
        if (f.open(QIODevice::WriteOnly)) f.write(notes.toUtf8());
        wait->deleteLater();
      } else if (++*tries > 100) {
        wait->deleteLater();
      }
    });
    wait->start(100);
    notes_->clear();
  }
  emit message(tr("Started %1").arg(QFileInfo(run_dir).fileName()));
  emit launched(run_dir);
  name_->setText(defaultRunName());
  return true;
}

} // namespace atelier
