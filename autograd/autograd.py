"""`torch.autograd`'s names, so PyTorch code that writes `torch.autograd.Function` or
`torch.autograd.grad` or `torch.autograd.functional.jacobian` runs after `import autograd as torch`."""
from .anomaly import detect_anomaly, set_detect_anomaly
from .func import functional
from .backprop import backward, grad
from .function import Function
from .gradcheck import gradcheck, gradgradcheck
from .grad_mode import enable_grad, no_grad, set_grad_enabled

__all__ = ["Function", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "detect_anomaly", "set_detect_anomaly", "functional"]
