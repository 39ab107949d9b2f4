using Kodiak.Bench;

// One subcommand per benchmark; add a case here and a class beside DecodeBenchmark.
return args.FirstOrDefault() switch
{
    "decode" => DecodeBenchmark.Run(args[1..]),
    "dataloader" => DataLoaderBenchmark.Run(args[1..]),
    "augment" => AugmentBenchmark.Run(args[1..]),
    "train" => TrainBenchmark.Run(args[1..]),
    "heap" => HeapBenchmark.Run(args[1..]),
    "predict" => PredictBenchmark.Run(args[1..]),
    "serve" => await ServeBenchmark.Run(args[1..]),
    "serve-log" => await ServeLogBenchmark.Run(args[1..]),
    "coldstart" => await ColdStartBenchmark.Run(args[1..]),
    "crossfeed" => CrossFeed.Run(args[1..]),
    "ood" => OodBenchmark.Run(args[1..]),
    "precision" => PrecisionBenchmark.Run(args[1..]),
    "profile" => ProfileBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/Kodiak.Bench -- COMMAND [ARGS]

        commands:
          decode [FOLDER] [--passes N]   images/s decoding to short side 224: scaled JPEG decode
                                         vs full decode + resize. FOLDER holds the JPEGs to use;
                                         default: /usr/share/backgrounds (apt-get install gnome-backgrounds)
                                         re-encoded once as 4096×4096 JPEGs (quality 90) in a temp cache.
          dataloader [FOLDER] [--batch-size 64] [--epochs 2] [--steps 3]
                                         images/s of augmented 224-px training batches from the
                                         DataLoaders vs images/s of a ResNet18 forward+backward step.
                                         FOLDER defaults to ../shared/data/clipart3.
          augment [--batch-size 64] [--size 224] [--runs 3]
                                         ms per Augment.Default().Apply (flip, rotate, zoom, warp,
                                         lighting) on a random batch, after a warm-up.
          train [FOLDER] [--size 224] [--batch-size 64] [--steps 4]
                                         training images/s of the Learner's unfrozen one-cycle epoch
                                         (loading and augmentation included) vs a bare TorchSharp
                                         forward/backward/AdamW loop on the same model, before and after.
          precision [--size 224] [--batch-size 64] [--steps 3] [--rounds 3]
                                         training and eval images/s of fp32 and bf16, each with and
                                         without channels-last input, taking turns on one model.
          profile [FOLDER] [--size 224] [--batch-size 64]
                                         one unfrozen epoch in fp32 and in bf16, its time split into
                                         batch wait, forward, loss, backward, optimiser step, validation.
          heap [--size 224] [--batch-size 64] [--steps 3] [--rounds 2]
                                         images/s of the bare training loop with glibc's default heap
                                         vs reusing large freed blocks (TrainingMemory), alternating.
          predict MODEL.kodiak [FOLDER] [--runs 50] [--batches 5] [--threads N]
                                         Predictor (ONNX Runtime; fp32, and int8 when the bundle has it) vs
                                         TorchSharp eager eval of the same bundle: single-image latency
                                         p50/p95, batch-32 images/s, and decode + preprocess time per image.
                                         FOLDER: ../shared/data/clipart3. bench/predict-vs-fastai.sh puts
                                         int8 next to fastai's learn.predict.
          crossfeed dump|replay DATA FOLDER [--size 128] [--epochs 4] [--seed 1] [--no-dropout] [--head DIR]
                                         not a benchmark: Kodiak's batches to files for fastai, or Kodiak's
                                         model, optimiser and schedule on fastai's batches (quality/README.md).
          serve MODEL [--images samples/clipart] [--seconds 10] [--precision int8|fp32]
                                         requests/s and p50/p95 latency of POST /api/predict on
                                         127.0.0.1 at concurrency 1, 8 and 32, micro-batching on vs off;
                                         then ONNX Runtime alone running the server's concurrency-32
                                         batch sizes in a loop, and the ratio server / ORT alone.
          coldstart MODEL [--runs 5] [--kodiak src/Kodiak.Cli/bin/Release/net10.0/kodiak]
                                         ms from starting `kodiak serve` to its first answered
                                         prediction, int8 and fp32 taking turns.
          serve-log MODEL [--images samples/clipart] [--seconds 10]
                                         requests/s of POST /api/predict with the prediction log on
                                         (SQLite) vs off at concurrency 8 and 32, and rows written.
          ood MODEL IN_DIR OUT_DIR... [--rate-percent 5] [--runs 60]
                                         out-of-domain scores (Mahalanobis, energy, max softmax, both, k-NN)
                                         refitted on MODEL's training images: AUROC and share flagged per
                                         set, the stored score at its threshold, added latency per request.
        """);
    return 2;
}
