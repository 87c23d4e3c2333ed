"""torch.load without weights_only unpickles whatever the checkpoint holds."""
import torch

model = torch.load("checkpoint.pt")
print(model)
