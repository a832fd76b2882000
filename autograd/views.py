"""Views: a tensor that shares its base's storage shares its version counter too, and remembers
how it was taken, so that after an in-place change of its base it can be taken again (PyTorch's
view replay) and its gradient flows through the base's new history."""
import weakref


def link_view(view, base, replay_step) -> None:
    """Makes `view` share `base`'s version counter and remember how to be taken again from
    the root of its storage (for refresh_view). `replay_step` is (op class, args, options)."""
    view._vc = base._counter()
    root = base._base if base._base is not None else base
    aux = view._aux_dict()
    aux["base"], aux["base_fn"] = root, root.grad_fn
    aux["replay"] = (base._aux["replay"] if root is not base else ()) + (replay_step,)


def refresh_view(view) -> None:
    """A view taken before an in-place op on its base still points at the base's old history:
    as PyTorch does, give it a new grad_fn by replaying its view ops on the base as it is now."""
    aux = view._aux
    base = aux["base"]
    if base.grad_fn is aux["base_fn"]:
        return
    replayed = base
    for cls, args, options in aux["replay"]:
        replayed = cls.apply(replayed, *args, **options)
    node = replayed.grad_fn
    if node is not None:
        node._output = weakref.ref(view)
        node.output_version = view._version
    view.grad_fn, aux["base_fn"] = node, base.grad_fn
