# An MLP classifier on scikit-learn's digits, fed by a DataLoader, trained with Adam.
import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

digits = load_digits()
features = torch.tensor(digits.data[:512] / 16.0, dtype=torch.float32)
labels = torch.tensor(digits.target[:512])
loader = DataLoader(TensorDataset(features, labels), batch_size=64, shuffle=False)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
with torch.no_grad():
    for layer in (model[0], model[2]):
        n = layer.weight.numel()
        layer.weight.copy_(torch.sin(torch.arange(n, dtype=torch.float32)).reshape(layer.weight.shape) * 0.2)
        layer.bias.fill_(0.01)
optimizer = optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    with torch.no_grad():
        accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
    print(f"epoch {epoch} loss {total / len(features):.5f} accuracy {accuracy:.4f}")
print("first logits", np.round(model(features[:1]).detach().numpy(), 4).tolist())
