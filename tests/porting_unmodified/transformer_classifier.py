# A small Transformer encoder classifier: token embeddings plus learned positions, two
# nn.TransformerEncoderLayer blocks with a padding mask, mean pooling over real tokens.
import numpy as np
import torch
from torch import nn

rng = np.random.RandomState(0)
vocab, max_len, batch = 12, 10, 24
lengths = rng.randint(4, max_len + 1, size=batch)
tokens = np.zeros((batch, max_len), dtype=np.int64)
for row, n in enumerate(lengths):
    tokens[row, :n] = rng.randint(1, vocab, size=n)
labels = torch.tensor((tokens == 3).sum(axis=1) > (tokens == 7).sum(axis=1)).long()  # more 3s than 7s?
tokens = torch.tensor(tokens)
padding_mask = tokens == 0


class TransformerClassifier(nn.Module):
    def __init__(self, vocab, d_model=16, nhead=2, layers=2, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.position = nn.Parameter(torch.zeros(1, max_len, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, classes)

    def forward(self, tokens, padding_mask):
        h = self.embed(tokens) + self.position[:, :tokens.shape[1]]
        h = self.encoder(h, src_key_padding_mask=padding_mask)
        keep = (~padding_mask).unsqueeze(-1).float()
        pooled = (h * keep).sum(dim=1) / keep.sum(dim=1)
        return self.head(pooled)


torch.manual_seed(0)
model = TransformerClassifier(vocab)
with torch.no_grad():  # fixed weights instead of the random initialisation
    for i, (name, param) in enumerate(sorted(model.named_parameters())):
        if name.endswith("norm1.weight") or name.endswith("norm2.weight"):
            param.fill_(1.0)
        else:
            param.copy_(torch.sin(torch.arange(param.numel(), dtype=torch.float32) * 0.61 + i).reshape(param.shape) * 0.3)
    model.embed.weight[0].zero_()

print("parameters", sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()
model.train()
for step in range(12):
    optimizer.zero_grad()
    logits = model(tokens, padding_mask)
    loss = loss_fn(logits, labels)
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(f"step {step} loss {loss.item():.5f}")
model.eval()
with torch.no_grad():
    logits = model(tokens, padding_mask)
    accuracy = (logits.argmax(-1) == labels).float().mean().item()
    print(f"accuracy {accuracy:.4f} first logits {logits[0, 0].item():.4f} {logits[0, 1].item():.4f}")
