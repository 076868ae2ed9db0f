// The denoiser as a user runs it, on the CPU: simulate pairs, train, denoise;
// the denoised micrographs are closer to the clean truth than the noisy
// inputs (PSNR), a run stopped by SIGTERM checkpoints and resumes, and a
// resumed CPU run ends bit for bit where an uninterrupted one does.
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/io/safetensors.h"
#include "core/project/project.h"
#include "core/recipes/denoise/denoise_items.h"
#include "core/recipes/denoise/image_quality.h"
#include "core/recipes/denoise/micrograph_denoiser.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/run_normalisation.h"
#include "core/run/checkpoint.h"
#include "core/run/run_dir.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <csignal>

using namespace atelier;

namespace {

using atelier::test::CliResult;

std::vector<float> read_mrc(const QString& path) {
  const MrcFile f(path.toStdString());
  const Image im = f.read_frame(0);
  const auto v = im.values<float>();
  return {v.begin(), v.end()};
}

QStringList train_args(const QString& pairs, const QString& run, int steps) {
  return {"train",
          "--recipe",
          "denoise",
          "--pairs",
          pairs,
          "--run-dir",
          run,
          "--steps",
          QString::number(steps),
          "--batch",
          "2",
          "--crop",
          "64",
          "--device",
          "cpu",
          "--val-every",
          "10",
          "--checkpoint-every",
          "10",
          "--loader-threads",
          "1",
          "--normalisation",
          "dataset",
          "--quiet"};
}

// The bytes of every model weight in a checkpoint, in name order.
QByteArray weights_of(const QString& path) {
  SafetensorsFile f(path.toStdString());
  QByteArray all;
  for (const std::string& name : f.names()) {
    if (name.rfind("optim.", 0) == 0) continue;
    const std::vector<std::uint8_t> b = f.read(name);
    all.append(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
  }
  return all;
}

CliResult run_cli(const QStringList& args) {
  return atelier::test::run_cli(args, 240000); // training runs take minutes
}

// Two simulated 96 x 96 pairs in tmp/sim; their pair list, "" on failure.
QString simulated_pairs(const QTemporaryDir& tmp) {
  const CliResult r =
      run_cli({"simulate", "denoise-pairs", tmp.filePath("sim"), "--count", "2", "--size", "96"});
  return r.exit_code == 0 ? QString::fromUtf8(r.out).trimmed() : QString();
}

QByteArray read_bytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Nothing is lost: results already there stay unless --overwrite, two
// inputs of one name are refused before any work, a stack is not cut to
// its first section, and a diverged checkpoint is refused.
void denoise_keeps_what_is_there(const QString& ckpt, const QString& sim, const QString& out) {
  const QString first = out + "/odd_000.mrc";
  const QByteArray before = read_bytes(first);
  QStringList args{"denoise", "--checkpoint", ckpt, sim + "/odd_000.mrc", "--out",
                   out,       "--device",     "cpu"};
  CliResult r = run_cli(args);
  QCOMPARE(r.exit_code, 1);
  QVERIFY2(r.err.contains("odd_000.mrc exists; pass --overwrite"), r.err.constData());
  QCOMPARE(read_bytes(first), before);
  r = run_cli(args << "--overwrite");
  QVERIFY2(r.exit_code == 0, r.err.constData());
  // Its own input is refused before any work, --overwrite or not; a missing
  // option is a usage error.
  r = run_cli({"denoise", "--checkpoint", ckpt, sim + "/odd_000.mrc", "--out", sim, "--device",
               "cpu", "--overwrite"});
  QCOMPARE(r.exit_code, 1);
  QVERIFY2(r.err.contains("would overwrite its input"), r.err.constData());
  r = run_cli({"denoise", "--checkpoint", ckpt, sim + "/odd_000.mrc"});
  QCOMPARE(r.exit_code, 2);
  QVERIFY2(r.err.contains("--out") && r.err.contains("usage:"), r.err.constData());

  QTemporaryDir tmp;
  QVERIFY(QDir().mkpath(tmp.filePath("a")) && QDir().mkpath(tmp.filePath("b")));
  QVERIFY(QFile::copy(sim + "/odd_000.mrc", tmp.filePath("a/x.mrc")));
  QVERIFY(QFile::copy(sim + "/odd_001.mrc", tmp.filePath("b/x.mrc")));
  r = run_cli({"denoise", "--checkpoint", ckpt, tmp.filePath("a/x.mrc"), tmp.filePath("b/x.mrc"),
               "--out", tmp.filePath("out"), "--device", "cpu"});
  QCOMPARE(r.exit_code, 1);
  QVERIFY2(r.err.contains("would both be written to"), r.err.constData());
  QVERIFY(!QFileInfo::exists(tmp.filePath("out/x.mrc")));

  const Image frame = MrcFile((sim + "/odd_000.mrc").toStdString()).read_frame(0);
  const std::vector<Image> frames{frame, frame};
  write_mrc_stack(tmp.filePath("stack.mrcs").toStdString(), frames);
  r = run_cli({"denoise", "--checkpoint", ckpt, tmp.filePath("stack.mrcs"), "--out",
               tmp.filePath("out"), "--device", "cpu"});
  QCOMPARE(r.exit_code, 1);
  QVERIFY2(r.err.contains("is a stack of 2 sections"), r.err.constData());
  QVERIFY2(!r.err.contains("usage:"), r.err.constData());

  run::Checkpoint c = run::read_checkpoint(ckpt.toStdString());
  c.tensors.front().values[3] = std::numeric_limits<float>::quiet_NaN();
  const std::string diverged = tmp.filePath("diverged.safetensors").toStdString();
  run::write_checkpoint(diverged, c);
  r = run_cli({"denoise", "--checkpoint", QString::fromStdString(diverged), sim + "/odd_000.mrc",
               "--out", tmp.filePath("out"), "--device", "cpu"});
  QCOMPARE(r.exit_code, 1);
  QVERIFY2(r.err.contains("are NaN or infinite (the run diverged)"), r.err.constData());
}

} // namespace

class TestCliDenoise : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() {
    QVERIFY2(!qEnvironmentVariable("ATELIER_CLI").isEmpty(), "ATELIER_CLI unset");
  }

  void trainedDenoiserBeatsTheNoisyInput() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), run = tmp.filePath("run"), out = tmp.filePath("out");
    CliResult r = run_cli({"simulate", "denoise-pairs", sim, "--count", "8", "--size", "256",
                           "--pixel-size", "1.35"});
    QCOMPARE(r.exit_code, 0);
    const QString pairs = QString::fromUtf8(r.out).trimmed();
    r = run_cli({"train",   "--recipe", "denoise", "--pairs",     pairs,    "--run-dir", run,
                 "--steps", "300",      "--batch", "4",           "--crop", "64",        "--device",
                 "cpu",     "--lr",     "2e-3",    "--val-every", "100",    "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY(r.out.contains("done at step 300"));
    const auto metrics = run::read_run_metrics(run.toStdString());
    QCOMPARE(metrics.size(), std::size_t(30)); // a line every 10 steps
    QCOMPARE(run::read_status(run.toStdString()).state, run::RunState::done);
    const QString ckpt = run + "/checkpoints/step-000300.safetensors";
    QVERIFY(QFile::exists(ckpt));

    QStringList args{"denoise", "--checkpoint", ckpt, "--out", out, "--device", "cpu"};
    for (int i = 0; i < 3; ++i)
      args << QString("%1/odd_%2.mrc").arg(sim).arg(i, 3, 10, QChar('0'));
    r = run_cli(args);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    double gain = 0;
    for (int i = 0; i < 3; ++i) {
      const QString n = QString("%1").arg(i, 3, 10, QChar('0'));
      const auto clean = read_mrc(sim + "/clean_" + n + ".mrc");
      const auto noisy = read_mrc(sim + "/odd_" + n + ".mrc");
      const auto denoised = read_mrc(out + "/odd_" + n + ".mrc");
      const double before = denoise::psnr_affine_fit(noisy, clean);
      const double after = denoise::psnr_affine_fit(denoised, clean);
      qInfo("micrograph %d: PSNR %.2f dB noisy -> %.2f dB denoised", i, before, after);
      gain += (after - before) / 3;
      // The output keeps the input's pixel size.
      QVERIFY(std::abs(MrcFile((out + "/odd_" + n + ".mrc").toStdString()).spacing().xyz[0] -
                       1.35) < 1e-6);
    }
    // Measured: +11.3 dB on average (19.1 -> 30.8 dB for the first) after 300
    // CPU steps, on micrographs whose noisy halves it trained on; the margin
    // leaves room for other BLAS libraries' rounding and thread counts.
    QVERIFY2(gain > 6.0, qPrintable(QString("mean PSNR gain %1 dB").arg(gain)));
    denoise_keeps_what_is_there(ckpt, sim, out);
  }

  // A U-Net state dict PyTorch saved itself (save_file(model.state_dict()),
  // bf16, no Atelier metadata) denoises like a run's checkpoint: same size,
  // finite output, the input's pixel size.
  void pytorchStateDictDenoises() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), out = tmp.filePath("out");
    CliResult r = run_cli(
        {"simulate", "denoise-pairs", sim, "--count", "1", "--size", "96", "--pixel-size", "2.5"});
    QCOMPARE(r.exit_code, 0);
    const QString weights = QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.bf16.safetensors";
    r = run_cli({"denoise", "--checkpoint", weights, sim + "/odd_000.mrc", "--out", out, "--device",
                 "cpu"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const auto denoised = read_mrc(out + "/odd_000.mrc");
    QCOMPARE(denoised.size(), std::size_t(96 * 96));
    QVERIFY(
        std::all_of(denoised.begin(), denoised.end(), [](float v) { return std::isfinite(v); }));
    QVERIFY(std::abs(MrcFile((out + "/odd_000.mrc").toStdString()).spacing().xyz[0] - 2.5) < 1e-6);
    // Tiles smaller than the default context get the whole tile as context.
    r = run_cli({"denoise", "--checkpoint", weights, sim + "/odd_000.mrc", "--out",
                 tmp.filePath("small_tiles"), "--device", "cpu", "--tile", "64"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QCOMPARE(read_mrc(tmp.filePath("small_tiles/odd_000.mrc")).size(), std::size_t(96 * 96));
  }

  // Weights that overflow f32 (finite, but 10^6 times too large in every
  // layer) give a clear error naming the backend and write nothing, where
  // they would otherwise leave an MRC of NaN (fp16 on a GPU says to use bf16).
  void overflowingOutputIsRefused() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), out = tmp.filePath("out");
    CliResult r = run_cli({"simulate", "denoise-pairs", sim, "--count", "1", "--size", "64"});
    QCOMPARE(r.exit_code, 0);
    run::Checkpoint c = run::read_weights(std::string(ATELIER_GOLDEN_DIR) +
                                          "/unet_small.state_dict.bf16.safetensors");
    std::vector<TensorView> views;
    for (run::CheckpointTensor& t : c.tensors) {
      for (float& v : t.values)
        v *= 1e6f;
      views.push_back({t.name, "F32", t.shape,
                       std::span(reinterpret_cast<const std::uint8_t*>(t.values.data()),
                                 t.values.size() * sizeof(float))});
    }
    const QString weights = tmp.filePath("huge.safetensors");
    write_safetensors(weights.toStdString(), views, {});
    r = run_cli({"denoise", "--checkpoint", weights, sim + "/odd_000.mrc", "--out", out, "--device",
                 "cpu"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("output pixels are not finite on cpu"), r.err.constData());
    QVERIFY2(r.err.contains("odd_000.mrc"), r.err.constData());
    QVERIFY(!QFileInfo::exists(out + "/odd_000.mrc"));
  }

  // Fine-tuning: a run started from PyTorch's weights (--init-from) holds
  // them at its first checkpoint, up to its tiny steps; a state dict of
  // another width is refused with the way out, leaving no run folder.
  void trainStartsFromGivenWeights() {
    QTemporaryDir tmp;
    const QString pairs = simulated_pairs(tmp), run = tmp.filePath("run");
    QVERIFY(!pairs.isEmpty());
    CliResult r;
    const QString weights = QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.bf16.safetensors";
    const QStringList train{"train", "--recipe",   "denoise", "--pairs",     pairs,   "--run-dir",
                            run,     "--steps",    "2",       "--batch",     "1",     "--crop",
                            "64",    "--device",   "cpu",     "--optimizer", "sgd",   "--lr",
                            "1e-9",  "--momentum", "0",       "--init-from", weights, "--quiet"};
    r = run_cli(QStringList(train) << "--model"
                                   << "unet");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("leave --model out"), r.err.constData());
    QVERIFY(!QFileInfo::exists(run));
    // Weights with a NaN are refused by name before any step.
    run::Checkpoint diverged = run::read_weights(weights.toStdString());
    diverged.tensors.front().values.front() = std::nanf("");
    const QString nan_file = tmp.filePath("diverged.safetensors");
    run::write_checkpoint(nan_file.toStdString(), diverged);
    QStringList from_nan = train;
    from_nan[from_nan.indexOf(weights)] = nan_file;
    r = run_cli(from_nan);
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("diverged.safetensors") && r.err.contains("NaN or infinite"),
             r.err.constData());
    QVERIFY(!QFileInfo::exists(run));
    r = run_cli(QStringList(train) << "--model"
                                   << "unet-small");
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const run::Checkpoint start = run::read_weights(weights.toStdString());
    const run::Checkpoint after =
        run::read_checkpoint((run + "/checkpoints/step-000002.safetensors").toStdString());
    double worst = 0;
    for (const run::CheckpointTensor& t : start.tensors) {
      const run::CheckpointTensor* u = after.find(t.name);
      QVERIFY2(u && u->values.size() == t.values.size(), t.name.c_str());
      for (std::size_t i = 0; i < t.values.size(); ++i)
        worst = std::max(worst, double(std::abs(u->values[i] - t.values[i])));
    }
    QVERIFY2(worst < 1e-6, std::to_string(worst).c_str());
    QFile run_json(run + "/run.json");
    QVERIFY(run_json.open(QIODevice::ReadOnly));
    QVERIFY(run_json.readAll().contains("unet_small.state_dict.bf16.safetensors"));

    // Weights of other widths and depth (Topaz-Denoise's unet-small layout,
    // three poolings) under Topaz's names, no --model: the run trains their
    // own model ("custom"), resumes it, and denoises.
    const QString topaz = QString(ATELIER_GOLDEN_DIR) + "/topaz_small_names.state_dict.safetensors";
    const QString custom = tmp.filePath("custom");
    r = run_cli({"train", "--recipe", "denoise", "--pairs", pairs, "--run-dir", custom, "--steps",
                 "2", "--batch", "1", "--crop", "64", "--device", "cpu", "--init-from", topaz,
                 "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QFile custom_json(custom + "/run.json");
    QVERIFY(custom_json.open(QIODevice::ReadOnly));
    const QByteArray settings = custom_json.readAll();
    QVERIFY2(settings.contains("\"model\": \"custom\"") && settings.contains("top\\\": 3") &&
                 settings.contains("depth\\\": 3"),
             settings.constData());
    r = run_cli({"train", "--resume", custom, "--steps", "3", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY(QFile::exists(custom + "/checkpoints/step-000003.safetensors"));
    r = run_cli({"denoise", "--checkpoint", custom + "/checkpoints/step-000003.safetensors",
                 tmp.filePath("sim/odd_000.mrc"), "--out", tmp.filePath("out"), "--device", "cpu"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
  }

  void trainFromProject() {
    // The pairs come from a project: odd/even halves matched by name, the
    // project's split used (a test pair is left out), rejected items skipped.
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), proj = tmp.filePath("p.atelier"),
                  run = tmp.filePath("run");
    QCOMPARE(run_cli({"simulate", "denoise-pairs", sim, "--count", "5", "--size", "128"}).exit_code,
             0);
    QCOMPARE(run_cli({"project", "create", proj}).exit_code, 0);
    QCOMPARE(run_cli({"import", proj, sim, "--quiet", "--no-thumbnails"}).exit_code, 0);
    // clean_004 is not a half; odd_004 rejected: its pair is out.
    QCOMPARE(run_cli({"set", proj, "--status", "reject", "--where", "path ~ odd_004"}).exit_code,
             0);
    QCOMPARE(
        run_cli({"split", proj, "--train", "0.5", "--val", "0.25", "--test", "0.25", "--seed", "2"})
            .exit_code,
        0);
    CliResult r = run_cli({"train", "--recipe", "denoise", "--project", proj, "--where",
                           "status != reject", "--run-dir", run, "--steps", "2", "--batch", "1",
                           "--crop", "64", "--device", "cpu", "--model", "unet-small"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY(r.err.contains("from the project"));
    QFile f(run + "/run.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
    const int train = json["train_pairs"].toArray().size(),
              val = json["val_pairs"].toArray().size();
    qInfo("%d training and %d validation pairs", train, val);
    QVERIFY(train >= 1);
    QVERIFY(train + val <= 4); // 4 odd halves left; test-split ones are out
    QVERIFY(json["options"].toObject()["pairs_list"].toString().startsWith("project "));
    // Where the pairs came from and how pixels were scaled are frozen too.
    const QJsonObject source = json["source"].toObject();
    QCOMPARE(source["project"].toString(), QFileInfo(proj).absoluteFilePath());
    QCOMPARE(source["filter"].toString(), QString("status != reject"));
    QCOMPARE(source["train_pairs"].toInt(), train);
    QCOMPARE(json["normalisation"].toObject()["scheme"].toString(), QString("per_image_mean_std"));
    for (const auto& p : json["train_pairs"].toArray())
      QVERIFY(!p.toArray()[0].toString().contains("odd_004"));
    // Exactly one source of pairs.
    QCOMPARE(run_cli({"train", "--recipe", "denoise", "--run-dir", tmp.filePath("r2")}).exit_code,
             1);

    // The run denoises the project's items into derived/, linked to them.
    auto project = project::Project::open(proj.toStdString());
    std::vector<std::int64_t> ids;
    for (const auto& row : project.query_items(""))
      ids.push_back(row.id);
    QVERIFY(ids.size() >= 3);
    denoise::DenoiseItemsOptions o;
    o.run_dir = run.toStdString();
    std::size_t calls = 0, total_seen = 0;
    const auto result = denoise::denoise_items(project, {ids[0], ids[1], ids[2]}, o,
                                               [&](std::size_t done, std::size_t total) {
                                                 ++calls;
                                                 total_seen = total;
                                                 return done < 2; // cancel after two
                                               });
    QCOMPARE(total_seen, std::size_t(3));
    QVERIFY(result.cancelled);
    QCOMPARE(calls, std::size_t(2));
    QCOMPARE(result.done.size() + result.errors.size(), std::size_t(2));
    QVERIFY(result.checkpoint.find("step-000002") != std::string::npos);
    for (const std::int64_t id : result.done) {
      const auto derived = project.derived_of(id);
      QCOMPARE(derived.size(), std::size_t(1));
      QCOMPARE(derived[0].kind, std::string("denoised"));
      QCOMPARE(derived[0].source, std::string("run@step-2"));
      QVERIFY(derived[0].path.rfind("derived/run/", 0) == 0);
      QVERIFY(QFile::exists(proj + "/" + QString::fromStdString(derived[0].path)));
    }
    // Again: the same source replaces, never duplicates.
    denoise::denoise_items(project, std::vector<std::int64_t>{result.done.front()}, o);
    QCOMPARE(project.derived_of(result.done.front()).size(), std::size_t(1));
  }

  void datasetNormalisation() {
    // --normalisation dataset with --project: the training halves' pooled
    // mean and std, from the statistics import stored, are frozen into
    // run.json and the checkpoints, and denoising with the run applies them
    // instead of each image's own statistics. The dataset-wide record also
    // counts the clean truth images that sit beside the halves.
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), proj = tmp.filePath("p.atelier"),
                  run = tmp.filePath("run");
    QCOMPARE(run_cli({"simulate", "denoise-pairs", sim, "--count", "3", "--size", "128"}).exit_code,
             0);
    QCOMPARE(run_cli({"project", "create", proj}).exit_code, 0);
    QCOMPARE(run_cli({"import", proj, sim, "--quiet", "--no-thumbnails"}).exit_code, 0);
    CliResult r = run_cli({"train", "--recipe", "denoise", "--project", proj, "--run-dir", run,
                           "--steps", "2", "--batch", "1", "--crop", "64", "--device", "cpu",
                           "--model", "unet-small", "--normalisation", "dataset"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.err.contains("normalising by mean"), r.err.constData());
    const auto project = project::Project::open(proj.toStdString());
    const auto datasets = project.datasets();
    QCOMPARE(datasets.size(), std::size_t(1));
    const auto whole = project.normalisation(datasets[0].id);
    QVERIFY(!whole.empty() && whole[0].band == 0 && whole[0].std > 0);
    const run::JsonNode rj = run::read_run_json(run.toStdString());
    const run::JsonNode* norm = rj.find("normalisation");
    QVERIFY(norm && norm->find("mean") && norm->find("std") && norm->find("source"));
    QCOMPARE(norm->find("scheme")->text, std::string("dataset_mean_std"));
    std::vector<denoise::ImagePair> train;
    for (const run::JsonNode& pair : rj.find("train_pairs")->items)
      train.push_back({pair.items[0].text, pair.items[1].text});
    QVERIFY(!train.empty());
    const denoise::NormalizationRecord measured = denoise::pairs_statistics(train, 1);
    const denoise::NormalizationRecord record{norm->find("mean")->number,
                                              norm->find("std")->number};
    qInfo("record: mean %.6g std %.6g; the halves' pixels: mean %.6g std %.6g; the whole "
          "dataset's: mean %.6g std %.6g",
          record.mean, record.std, measured.mean, measured.std, whole[0].mean, whole[0].std);
    QVERIFY(std::abs(record.mean - measured.mean) <= 1e-6 * measured.std);
    QVERIFY(std::abs(record.std - measured.std) <= 1e-6 * measured.std);
    QVERIFY(std::abs(whole[0].std - measured.std) > 0.01 * measured.std);
    QVERIFY(norm->find("source")->text.find(datasets[0].name) != std::string::npos);
    QCOMPARE(rj.find("options")->find("normalisation")->text, std::string("dataset"));

    // Per image, the output follows an affine change of the input (3x + 50)
    // exactly; with the dataset record it cannot, since the record stays.
    const std::string ckpt = (run + "/checkpoints/step-000002.safetensors").toStdString();
    const Image x = denoise::load_micrograph((sim + "/odd_000.mrc").toStdString());
    Image y = x;
    for (float& v : y.values<float>())
      v = 3.0f * v + 50.0f;
    auto affine_error = [&](const std::string& normalisation) {
      denoise::DenoiseOptions d;
      d.device = "cpu";
      d.normalisation = normalisation;
      denoise::MicrographDenoiser denoiser(ckpt, d);
      const Image a = denoiser.denoise(x), b = denoiser.denoise(y);
      const denoise::NormalizationRecord spread = denoise::image_statistics(a.values<float>());
      double worst = 0;
      for (std::size_t i = 0; i < a.values<float>().size(); ++i)
        worst = std::max(
            worst, std::abs(double(b.values<float>()[i]) - (3.0 * a.values<float>()[i] + 50.0)));
      return worst / (3.0 * spread.std);
    };
    {
      denoise::DenoiseOptions d;
      d.device = "cpu";
      const denoise::MicrographDenoiser denoiser(ckpt, d);
      QVERIFY(denoiser.normalisation().scheme == denoise::NormalisationScheme::dataset);
      QCOMPARE(denoiser.normalisation().record.mean, record.mean);
    }
    const double per_image = affine_error("image"), dataset = affine_error("run");
    qInfo("affine error relative to the output's spread: per image %.2g, dataset %.2g", per_image,
          dataset);
    QVERIFY(per_image < 1e-3);
    QVERIFY(dataset > 0.05);

    // The denoise command takes the choice too, and refuses others.
    r = run_cli({"denoise", "--checkpoint", QString::fromStdString(ckpt), sim + "/odd_000.mrc",
                 "--out", tmp.filePath("out"), "--device", "cpu", "--normalisation", "image"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    r = run_cli({"denoise", "--checkpoint", QString::fromStdString(ckpt), sim + "/odd_000.mrc",
                 "--out", tmp.filePath("out"), "--device", "cpu", "--normalisation", "global"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("run or image"), r.err.constData());
    r = run_cli({"train", "--recipe", "denoise", "--project", proj, "--run-dir", tmp.filePath("r3"),
                 "--steps", "2", "--normalisation", "global"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("image or dataset"), r.err.constData());
  }

  void cpuPrecisionIsWhatItComputes() {
    // --precision bf16 on the CPU: a note, and run.json records the fp32 it
    // computed in.
    QTemporaryDir tmp;
    CliResult r =
        run_cli({"simulate", "denoise-pairs", tmp.filePath("sim"), "--count", "2", "--size", "64"});
    QCOMPARE(r.exit_code, 0);
    const QString pairs = QString::fromUtf8(r.out).trimmed();
    const QString run = tmp.filePath("run");
    QStringList args = train_args(pairs, run, 1);
    args << "--precision"
         << "bf16";
    r = run_cli(args);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.err.contains("note: the CPU computes in fp32; --precision bf16 applies to CUDA"),
             r.err.constData());
    const run::JsonNode rj = run::read_run_json(run.toStdString());
    QCOMPARE(rj.find("options")->find("precision")->text, std::string("fp32"));
  }

  void sigtermCheckpointsAndResumeIsBitExact() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim");
    CliResult r = run_cli({"simulate", "denoise-pairs", sim, "--count", "3", "--size", "128"});
    QCOMPARE(r.exit_code, 0);
    const QString pairs = QString::fromUtf8(r.out).trimmed();

    // Uninterrupted: 30 steps.
    const QString whole = tmp.filePath("whole");
    r = run_cli(train_args(pairs, whole, 30));
    QVERIFY2(r.exit_code == 0, r.err.constData());

    // Interrupted by SIGTERM, then resumed to 30.
    const QString parts = tmp.filePath("parts");
    QProcess p;
    p.start(qEnvironmentVariable("ATELIER_CLI"), train_args(pairs, parts, 100000));
    QVERIFY(p.waitForStarted(10000));
    bool running = false;
    for (int i = 0; i < 600 && !running; ++i) {
      QThread::msleep(100);
      try {
        const auto s = run::read_status(parts.toStdString());
        running = s.state == run::RunState::running && s.step >= 10;
      } catch (const std::exception&) {
      }
    }
    QVERIFY(running);
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const auto stopped = run::read_status(parts.toStdString());
    QCOMPARE(stopped.state, run::RunState::stopped);
    QVERIFY(stopped.step >= 10 && stopped.step < 30);
    QVERIFY(QFile::exists(
        parts + QString("/checkpoints/step-%1.safetensors").arg(stopped.step, 6, 10, QChar('0'))));

    r = run_cli({"train", "--resume", parts, "--steps", "30", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QCOMPARE(run::read_status(parts.toStdString()).state, run::RunState::done);
    // The resume scaled pixels by the record frozen in run.json, as the
    // first part did (per-image scaling would change the weights).
    QCOMPARE(run::read_run_json(parts.toStdString()).find("normalisation")->find("scheme")->text,
             std::string("dataset_mean_std"));
    const QByteArray a = weights_of(whole + "/checkpoints/step-000030.safetensors");
    const QByteArray b = weights_of(parts + "/checkpoints/step-000030.safetensors");
    QVERIFY(!a.isEmpty());
    QVERIFY2(a == b, "resumed weights differ from the uninterrupted run's");
    // metrics.jsonl has one line per logged step, none repeated by the resume.
    const auto m = run::read_run_metrics(parts.toStdString());
    for (std::size_t i = 1; i < m.size(); ++i)
      QVERIFY(*m[i].step() > *m[i - 1].step());
    QCOMPARE(*m.back().step(), std::int64_t(30));
  }

  void badInputGivesClearErrors() {
    QTemporaryDir tmp;
    CliResult r = run_cli({"train", "--recipe", "denoise", "--pairs", tmp.filePath("none.txt"),
                           "--run-dir", tmp.filePath("r"), "--device", "cpu"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("none.txt"), r.err.constData());
    r = run_cli({"train", "--recipe", "segment", "--pairs", "x", "--run-dir", "y"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("unknown recipe 'segment'"));
    r = run_cli({"train", "--recipe", "denoise", "--pairs", "x", "--run-dir", "y", "--crop", "100",
                 "--device", "cpu"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--crop"), r.err.constData());
    r = run_cli({"denoise", "--checkpoint", tmp.filePath("missing.safetensors"), "a.mrc", "--out",
                 tmp.path()});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("missing.safetensors"));
    r = run_cli({"train", "--bogus"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("unknown option --bogus"));
  }

  void failedAndCorruptRunsLoseNothing() {
    QTemporaryDir tmp;
    const QString pairs = simulated_pairs(tmp), run = tmp.filePath("run");
    QVERIFY(!pairs.isEmpty());
    CliResult r;
    const QStringList train{"train", "--recipe",  "denoise",    "--pairs",
                            pairs,   "--run-dir", run,          "--steps",
                            "4",     "--batch",   "1",          "--crop",
                            "64",    "--model",   "unet-small", "--checkpoint-every",
                            "2",     "--quiet"};
    // A run that fails before its first step leaves no folder in the way.
    r = run_cli(QStringList(train) << "--device"
                                   << "cuda:7");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(!QFileInfo::exists(run), r.err.constData());
    r = run_cli(QStringList(train) << "--device"
                                   << "cpu"
                                   << "--deterministic");
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QFile run_json(run + "/run.json");
    QVERIFY(run_json.open(QIODevice::ReadOnly));
    const QByteArray settings = run_json.readAll();
    QVERIFY2(settings.contains("\"deterministic\": true"), settings.constData());
    // --resume keeps the run's settings and says so.
    r = run_cli({"train", "--resume", run, "--steps", "6", "--crop", "96"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--crop is fixed by the run"), r.err.constData());
    r = run_cli({"train", "--resume", run, "--steps", "6", "--deterministic"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--deterministic is fixed by the run"), r.err.constData());
    // A corrupt newest checkpoint is passed over with a note; none readable
    // is an error, not a silent start from step 0.
    const QString newest = run + "/checkpoints/step-000004.safetensors";
    QVERIFY(QFile::resize(newest, 5000));
    r = run_cli({"train", "--resume", run, "--steps", "6", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.err.contains("passed over unreadable checkpoints") &&
                 r.err.contains("step-000004.safetensors") &&
                 r.err.contains(
                     ("resuming from " + run + "/checkpoints/step-000002.safetensors").toUtf8()),
             r.err.constData());
    // The passed-over file is kept aside (the resumed run wrote its own
    // step 4), and the metrics lines past step 2 are kept in a side file.
    QVERIFY2(r.err.contains("moved aside as"), r.err.constData());
    QCOMPARE(QFileInfo(newest + ".unreadable").size(), qint64(5000));
    QVERIFY(QFileInfo(newest).size() > 5000);
    QFile dropped(run + "/metrics.dropped.jsonl");
    QVERIFY(dropped.open(QIODevice::ReadOnly));
    QVERIFY(dropped.readAll().contains("\"step\":4"));
    for (const QString step : {"000002", "000004", "000006"})
      QVERIFY(QFile::resize(run + "/checkpoints/step-" + step + ".safetensors", 100));
    r = run_cli({"train", "--resume", run, "--steps", "8", "--quiet"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("no checkpoint of") && r.err.contains("can be read"),
             r.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestCliDenoise)
#include "test_cli_denoise.moc"
