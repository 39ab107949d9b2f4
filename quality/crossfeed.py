#!/usr/bin/python3
"""Kodiak against fastai on the same batches (quality/README.md, "Why Kodiak's errors differed").

KDIR is a folder written by `dotnet run -c Release --project bench/Kodiak.Bench -- crossfeed dump DATA KDIR --size S
--seed N` (Kodiak's training batches of every data epoch, its validation batches, vocab.txt and valid.txt). fastai is
set up as shared/peer/fastai_train.py does, on exactly Kodiak's validation files.

  crossfeed.py valid KDIR DATA SIZE    compare Kodiak's validation tensors with fastai's, image by image
  crossfeed.py stats KDIR DATA SIZE    compare training-batch statistics (mean, std, edge energy, white) of epochs 0-1
  crossfeed.py train KDIR DATA SIZE EPOCHS SEED [--own] [--dump FDIR] [--no-dropout] [--head HDIR]
      fastai's fine_tune on Kodiak's batches (or on its own with --own), printing every step's loss;
      --dump FDIR writes fastai's batches, vocab/valid lists and initial head (lin1.w, lin2.w) for `crossfeed replay`;
      --head HDIR starts from a head dumped that way; --no-dropout turns the head's dropout off.
"""
import os
import sys
from pathlib import Path

PEER = Path(__file__).resolve().parents[2] / 'shared' / 'peer'
PEER = Path(os.environ.get('KODIAK_PEER', PEER))
sys.dont_write_bytecode = True
sys.path[:0] = [str(PEER / 'vendor'), str(PEER)]
os.environ.setdefault('MPLBACKEND', 'Agg')
import numpy as np
import torch
from fastai.vision.all import (DataBlock, ImageBlock, CategoryBlock, get_image_files, parent_label, FuncSplitter,
                               RandomResizedCrop, aug_transforms, vision_learner, error_rate, set_seed, Normalize,
                               Callback, TensorImage, TensorCategory, nn)
from cntk_resnet18 import cntk_resnet18  # registers the arch
import fastai_train

torch.set_num_threads(int(os.environ.get('THREADS', '2')))
fastai_train.quiet_bars()
mode, kdir, data, size = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).resolve(), int(sys.argv[4])
rest = sys.argv[5:]
valid = set(fastai_train.read_valid_list(kdir / 'valid.txt', data))
set_seed(int(rest[1]) if mode == 'train' else 1, reproducible=True)
dblock = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files,
                   splitter=FuncSplitter(lambda o: Path(o).relative_to(data).as_posix() in valid),
                   get_y=parent_label, item_tfms=RandomResizedCrop(size, min_scale=0.5), batch_tfms=aug_transforms())
dls = dblock.dataloaders(data, bs=64, num_workers=0)
vocab = (kdir / 'vocab.txt').read_text().split()
if list(dls.vocab) != vocab: sys.exit(f'error: classes differ: fastai {list(dls.vocab)}, Kodiak {vocab}')
learn = vision_learner(dls, cntk_resnet18, metrics=error_rate)  # adds Normalize to the batch transforms
norm = next(t for t in dls.train.after_batch.fs if isinstance(t, Normalize))


def load(name):
    y = np.fromfile(kdir / f'{name}.y', dtype=np.int64)
    x = np.fromfile(kdir / f'{name}.x', dtype=np.float32).reshape(len(y), 3, size, size)
    paths = kdir / f'{name}.paths'
    return torch.from_numpy(x), torch.from_numpy(y), paths.read_text().splitlines() if paths.exists() else []


def to01(xn): return (xn * norm.std + norm.mean).clamp(0, 1)


if mode == 'valid':
    kodiak = {p: x[i] for f in sorted(kdir.glob('valid-*.x')) for x, _, ps in [load(f.stem)] for i, p in enumerate(ps)}
    items = [Path(o).relative_to(data).as_posix() for o in dls.valid_ds.items]
    fastai = torch.cat([to01(xb.cpu()) for xb, _ in dls.valid])
    diff = torch.stack([(fastai[i] - kodiak[p]).abs() for i, p in enumerate(items)]).flatten(1)
    print(f'{len(items)} validation images: max |difference| {float(diff.max()):.3g}, mean {float(diff.mean()):.3g}; '
          f'images with a pixel off by more than 2/255: {int((diff.max(1).values > 2 / 255).sum())}')
elif mode == 'stats':
    def stats(x):
        return (f'mean {[round(v, 4) for v in x.mean((0, 2, 3)).tolist()]} std {float(x.std()):.4f} '
                f'edges {float((x[..., 1:] - x[..., :-1]).abs().mean()):.5f} white {float((x.min(1).values > 0.97).float().mean()):.4f}')
    for epoch in range(2):
        print(f'epoch {epoch} Kodiak {stats(torch.cat([load(f.stem)[0] for f in sorted(kdir.glob(f"train-e{epoch}-b*.x"))]))}')
        print(f'epoch {epoch} fastai {stats(torch.cat([to01(xb.cpu()) for xb, _ in dls.train]))}')
elif mode == 'train':
    epochs, own = int(rest[0]), '--own' in rest
    dump = Path(rest[rest.index('--dump') + 1]) if '--dump' in rest else None
    if '--head' in rest:
        head = Path(rest[rest.index('--head') + 1])
        with torch.no_grad():
            for key, name, shape in (('4.weight', 'lin1.w', (512, 1024)), ('8.weight', 'lin2.w', (len(vocab), 512))):
                learn.model[1].state_dict()[key].copy_(torch.from_numpy(np.fromfile(head / name, dtype=np.float32).reshape(shape)))
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        for f in ('vocab.txt', 'valid.txt'): (dump / f).write_bytes((kdir / f).read_bytes())
        for f in kdir.glob('valid-*'): (dump / f.name).write_bytes(f.read_bytes())
        learn.model[1].state_dict()['4.weight'].numpy().tofile(dump / 'lin1.w')
        learn.model[1].state_dict()['8.weight'].numpy().tofile(dump / 'lin2.w')
    if '--no-dropout' in rest:
        for m in learn.model.modules():
            if isinstance(m, nn.Dropout): m.p = 0

    class Swap(Callback):
        "Replaces (or records) each training batch; the frozen fit is data epoch 0, the unfrozen ones 1, 2, …"
        order = 0

        def before_fit(self): self.fit_no = getattr(self, 'fit_no', -1) + 1

        def before_batch(self):
            if not self.training: return
            name = f'train-e{self.epoch + self.fit_no}-b{self.iter:03d}'
            if dump:
                to01(self.xb[0]).numpy().astype(np.float32).tofile(dump / f'{name}.x')
                self.yb[0].numpy().astype(np.int64).tofile(dump / f'{name}.y')
            if not own:
                x, y, _ = load(name)
                self.learn.xb = (TensorImage((x - norm.mean) / norm.std),)
                self.learn.yb = (TensorCategory(y),)

    class StepLosses(Callback):
        order = 90
        def before_epoch(self): self.losses = []

        def after_batch(self):
            if self.training: self.losses.append(float(self.loss))

        def after_epoch(self): print('step losses', ' '.join(f'{v:.4f}' for v in self.losses), flush=True)

    learn.fine_tune(epochs, cbs=[Swap(), StepLosses()])
else:
    sys.exit(__doc__)
