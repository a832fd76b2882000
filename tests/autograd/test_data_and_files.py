"""autograd.data (Dataset, TensorDataset, DataLoader), ag.save / ag.load, detect_anomaly."""
import os
import pickle
import zipfile

import numpy as np
import pytest

import autograd as ag


def test_tensor_dataset_and_loader_batches_cover_every_sample_once():
    x, y = ag.arange(10.0).reshape(10, 1), ag.arange(10)
    loader = ag.data.DataLoader(ag.data.TensorDataset(x, y), batch_size=4, shuffle=True,
                                generator=ag.Generator().manual_seed(3))
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(loader) == 3
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    np.testing.assert_array_equal(np.concatenate([b[0].numpy()[:, 0] for b in batches]), seen)
    again = [b[1].numpy() for b in ag.data.DataLoader(ag.data.TensorDataset(x, y), batch_size=4, shuffle=True,
                                                       generator=ag.Generator().manual_seed(3))]
    np.testing.assert_array_equal(np.concatenate(again), seen)


def test_drop_last_and_unbatched():
    ds = ag.data.TensorDataset(ag.arange(10))
    assert [len(b[0]) for b in ag.data.DataLoader(ds, batch_size=4, drop_last=True)] == [4, 4]
    assert len(ag.data.DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [s[0].item() for s in ag.data.DataLoader(ds, batch_size=None)] == list(range(10))


def test_default_collation_of_tuples_dicts_arrays_and_numbers():
    class Pairs(ag.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, i, dtype=np.float32), "label": i, "weight": 0.5 * i}

    batch = next(iter(ag.data.DataLoader(Pairs(), batch_size=5)))
    assert batch["x"].shape == (5, 3) and batch["x"].dtype == np.float32
    assert batch["label"].dtype == np.int64 and batch["label"].tolist() == [0, 1, 2, 3, 4]
    assert batch["weight"].dtype == ag.float64  # Python floats collate to float64, as in PyTorch


def test_mismatched_tensor_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match=r"same size in dim 0.*\(3,\), \(4,\)"):
        ag.data.TensorDataset(ag.zeros(3), ag.zeros(4))


def test_save_load_round_trips_nested_state_exactly_at_the_given_path(tmp_path):
    state = {"model": {"0.weight": ag.randn(3, 2), "0.bias": ag.zeros(3, dtype=ag.float64)},
             "optimizer": {"state": {0: {"step": 7, "exp_avg": ag.ones(3)}},
                           "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                             "amsgrad": False, "foreach": None, "max": float("inf")}]}}
    path = tmp_path / "checkpoint.pt"
    ag.save(state, path)
    assert os.listdir(tmp_path) == ["checkpoint.pt"]
    loaded = ag.load(path)
    np.testing.assert_array_equal(loaded["model"]["0.weight"].numpy(), state["model"]["0.weight"].numpy())
    assert loaded["model"]["0.bias"].dtype == np.float64
    assert loaded["optimizer"]["state"][0]["step"] == 7
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["optimizer"]["param_groups"][0]["max"] == float("inf")
    assert loaded["optimizer"]["param_groups"][0]["foreach"] is None


def test_load_refuses_pickles_and_corrupt_files_without_running_anything(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(RuntimeError, match="not a readable graphgrad file.*pickled"):
        ag.load(evil)
    assert not marker.exists()

    good = tmp_path / "good.pt"
    ag.save({"w": ag.ones(1000)}, good)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(RuntimeError, match="not a readable graphgrad file"):
        ag.load(truncated)
    plain = tmp_path / "plain.npz"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("x.npy", b"not an array")
    with pytest.raises(RuntimeError, match="not a readable graphgrad file"):
        ag.load(plain)


def test_save_refuses_objects_it_cannot_write_without_pickle(tmp_path):
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        ag.save({"x": object()}, tmp_path / "x.pt")


def test_detect_anomaly_names_the_op_and_the_user_line():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = ag.sqrt(x).sum()  # the line the error must point at
        with pytest.raises(RuntimeError, match=r"Sqrt returned inf.*test_data_and_files.py:\d+: y = ag.sqrt"):
            y.backward()
    y = ag.sqrt(x).sum()
    y.backward()  # outside anomaly mode the inf goes through silently, as in PyTorch
    assert np.isinf(x.grad.numpy()[0])


def test_detect_anomaly_can_check_forward_too():
    x = ag.tensor([-1.0], requires_grad=True)
    with ag.detect_anomaly(check_forward=True):
        with pytest.raises(RuntimeError, match="Log produced nan values in forward"):
            ag.log(x)


def test_training_resumes_bit_for_bit_from_a_saved_model_and_optimizer(tmp_path):
    import nn
    import optim

    def fresh():
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.Linear(8, 1))
        return model, optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)

    rng = np.random.default_rng(1)
    batches = [(ag.tensor(rng.standard_normal((16, 4))), ag.tensor(rng.standard_normal((16, 1)))) for _ in range(10)]

    def train(model, optimizer, steps):
        for x, y in steps:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()

    model, optimizer = fresh()
    train(model, optimizer, batches[:5])
    ag.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "checkpoint.pt")
    train(model, optimizer, batches[5:])

    resumed, resumed_optimizer = fresh()
    checkpoint = ag.load(tmp_path / "checkpoint.pt")
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    train(resumed, resumed_optimizer, batches[5:])
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
