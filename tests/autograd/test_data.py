"""autograd.data's datasets, samplers, collation and DataLoader arguments against torch.utils.data."""
import collections
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd import data

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _plain(batch):
    """A collated batch as nested Python values, its tensors as (dtype name, list) pairs."""
    if isinstance(batch, (ag.Tensor, torch.Tensor)):
        return (str(batch.dtype).split(".")[-1], batch.tolist())
    if isinstance(batch, dict):
        return {key: _plain(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [_plain(v) for v in batch]
    return batch


Point = collections.namedtuple("Point", "x y")
SAMPLES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "strings": ["a", "b"],
    "numpy-scalars": [np.float32(1), np.float32(2)],
    "numpy-int-arrays": [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "tuples": [(1, 2.0, "a"), (3, 4.0, "b")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"x": np.ones(2, dtype=np.float32), "y": 1, "meta": {"id": 0.5}},
              {"x": np.zeros(2, dtype=np.float32), "y": 2, "meta": {"id": 1.5}}],
    "nested": [({"a": (1, [2.0, 3.0])}, np.float64(0.5)), ({"a": (4, [5.0, 6.0])}, np.float64(1.5))],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
}


@pytest.mark.parametrize("name", SAMPLES)
def test_default_collate_gives_pytorchs_structure_and_dtypes(name):
    samples = SAMPLES[name]
    ours, theirs = data.default_collate(samples), tdata.default_collate(samples)
    assert _plain(ours) == _plain(theirs)
    if name == "namedtuples":
        assert type(ours) is Point


def test_default_collate_stacks_tensors_and_rejects_what_pytorch_rejects():
    batch = data.default_collate([ag.ones(2, 3, dtype=ag.float64), ag.zeros(2, 3, dtype=ag.float64)])
    assert batch.shape == (2, 2, 3) and batch.dtype == ag.float64
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        data.default_collate([object()])
    with pytest.raises(TypeError, match="<U1"):
        data.default_collate([np.array(["a"])])


def test_subset_concat_and_random_split_lengths_match_pytorch():
    ds = data.TensorDataset(ag.arange(10))
    sub = data.Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[1][0].item() == 2 and sub[[0, 2]][0].tolist() == [7, 5]
    both = data.ConcatDataset([range(3), range(10, 14)])
    assert len(both) == 7 and [both[i] for i in range(7)] == [0, 1, 2, 10, 11, 12, 13] and both[-1] == 13
    assert both.cumulative_sizes == tdata.ConcatDataset([range(3), range(10, 14)]).cumulative_sizes
    assert len(data.Dataset.__add__(sub, sub)) == 6
    for n, lengths in [(10, [3, 7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.3, 0.4]), (5, [1.0])]:
        ours = data.random_split(range(n), lengths, generator=ag.Generator().manual_seed(0))
        theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(i for s in ours for i in s) == list(range(n))
    again = data.random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(s) for s in data.random_split(range(10), [3, 7],
                                                                          generator=ag.Generator().manual_seed(0))]
    with pytest.raises(ValueError, match="sum to 9"):
        data.random_split(range(10), [4, 5])
    with pytest.warns(UserWarning, match="index 2 is empty"):
        data.random_split(range(2), [0.5, 0.5, 0.0])


def test_sequential_batch_and_subset_samplers_match_pytorch():
    for n, size, drop in [(10, 3, False), (10, 3, True), (4, 4, True), (5, 7, False), (5, 7, True)]:
        ours = data.BatchSampler(data.SequentialSampler(range(n)), size, drop)
        theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    indices = [4, 8, 15, 16]
    order = list(data.SubsetRandomSampler(indices, generator=ag.Generator().manual_seed(1)))
    assert sorted(order) == indices
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        data.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        data.BatchSampler(range(3), 2, 1)


def test_random_sampler_permutes_or_draws_with_replacement():
    gen = ag.Generator().manual_seed(0)
    first, second = list(data.RandomSampler(range(10), generator=gen)), list(data.RandomSampler(range(10), generator=gen))
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    longer = list(data.RandomSampler(range(4), num_samples=10, generator=gen))
    assert len(longer) == 10 and sorted(longer[:8]) == [0, 0, 1, 1, 2, 2, 3, 3] and len(set(longer[8:])) == 2
    draws = list(data.RandomSampler(range(5), replacement=True, num_samples=5000, generator=gen))
    counts = np.bincount(draws, minlength=5)
    assert len(draws) == 5000 and np.all(np.abs(counts - 1000) < 150)
    ag.manual_seed(3)
    a = list(data.RandomSampler(range(20)))
    ag.manual_seed(3)
    assert list(data.RandomSampler(range(20))) == a
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        data.RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        data.RandomSampler(range(3), replacement=1)


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    gen = ag.Generator().manual_seed(0)
    weights = [0.1, 0.0, 0.4, 0.5]
    draws = list(data.WeightedRandomSampler(weights, 20000, generator=gen))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, weights, atol=0.015)
    without = list(data.WeightedRandomSampler(weights, 4, replacement=False, generator=gen))
    assert sorted(without) == [0, 1, 2, 3] and without[-1] == 1  # weight 0 comes last, as torch.multinomial
    firsts = [next(iter(data.WeightedRandomSampler([1.0, 3.0], 1, replacement=False, generator=gen)))
              for _ in range(4000)]
    assert abs(np.mean(firsts) - 0.75) < 0.03
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        data.WeightedRandomSampler(weights, 0)
    with pytest.raises(ValueError, match="1d sequence"):
        data.WeightedRandomSampler([[1.0]], 1)
    with pytest.raises(RuntimeError, match="non-negative"):
        data.WeightedRandomSampler([-1.0, 2.0], 1)


class Squares(data.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": float(i), "y": i * i}


def test_data_loader_with_samplers_matches_pytorch_batches():
    def batches(lib, **kwargs):
        d = data if lib is ag else tdata
        return [_plain(b) for b in d.DataLoader(Squares(), **kwargs)]

    for kwargs in [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                   dict(batch_sampler=[[0, 2], [6, 5, 4]]), dict(sampler=[6, 0, 3], batch_size=2),
                   dict(batch_size=2, collate_fn=lambda samples: len(samples))]:
        assert batches(ag, **kwargs) == batches(torch, **kwargs), kwargs
    assert len(data.DataLoader(Squares(), batch_sampler=[[0, 2], [6, 5, 4]])) == 2
    ds = data.TensorDataset(ag.arange(6.0), ag.arange(6))
    loader = data.DataLoader(ds, sampler=data.SubsetRandomSampler([1, 3, 5], generator=ag.Generator().manual_seed(0)),
                             batch_size=2)
    got = [b[1].tolist() for b in loader]
    assert sorted(sum(got, [])) == [1, 3, 5] and [len(g) for g in got] == [2, 1]
    xs = [x.tolist() for x, _ in data.DataLoader(ds, batch_size=4, shuffle=True,
                                                    generator=ag.Generator().manual_seed(0))]
    assert sorted(sum(xs, [])) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert type(next(iter(data.DataLoader(ds, batch_size=2)))) is list  # as PyTorch's collation of tuples


@pytest.mark.parametrize("kwargs, message", [
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(batch_size=0), "batch_size should be a positive integer"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
])
def test_data_loader_argument_conflicts_raise_as_pytorch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.DataLoader(Squares(), **kwargs)
    with pytest.raises(ValueError, match=message):
        tdata.DataLoader(Squares(), **kwargs)


def test_num_workers_runs_in_process_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(data.DataLoader(Squares(), batch_size=2, num_workers=2))) == 4
