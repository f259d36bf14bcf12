#!/usr/bin/env bash
# One-shot GPU benchmark: run on a machine with a GPU, from the repository root. Prints the
# backend report, then training img/s of the reference model and MobileFaceNet on webgpu and on
# wasm (bench train), the loader's img/s for comparison (bench data), and, where Python and torch
# exist, the same two networks in PyTorch. Writes everything to bench/results/gpu-<date>-<commit>.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
out="bench/results/gpu-$(date -u +%Y%m%d-%H%M%S)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit).txt"
mkdir -p bench/results
{
  echo "# GPU benchmark, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "(no nvidia-smi)"
  [ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >/dev/null
  npm run -s cli -- backend
  npm run -s cli -- backend --backend webgpu
  npm run -s bench -- train --backends webgpu,wasm --models reference,mobilefacenet --steps "${STEPS:-10}" --warmup "${WARMUP:-3}"
  npm run -s bench -- data --quick
  if python3 -c 'import torch' 2>/dev/null; then
    for model in reference-net mobilefacenet; do
      # The same networks and batches as bench train's reference and MobileFaceNet rows.
      case $model in
        reference-net) size=64 classes=1000 dim=128 batch=64 ;;
        mobilefacenet) size=112 classes=10000 dim=$(npx tsx -e "import { presetConfig } from './src/core/train'; console.log(presetConfig('faces-mobilefacenet').embeddingDim)")
                       batch=$(npx tsx -e "import { presetConfig } from './src/core/train'; console.log(presetConfig('faces-mobilefacenet').batchSize)") ;;
      esac
      spec=$(npx tsx -e "import { backboneSpec } from './src/core/models'; console.log(JSON.stringify(backboneSpec('$model', { embeddingDim: $dim, inputSize: $size, channels: 3 })))")
      for device in cuda cpu; do
        python3 -c "import torch,sys; sys.exit(0 if '$device' == 'cpu' or torch.cuda.is_available() else 1)" || continue
        echo "pytorch $model on $device: $(echo "$spec" | python3 scripts/torch-bench.py "$classes" "$batch" "${STEPS:-10}" "${WARMUP:-3}" "$device")"
      done
    done
  else
    echo "pytorch: not installed here (python3 -c 'import torch' failed); no PyTorch rows"
  fi
} 2>&1 | tee "$out"
echo "written: $out"
