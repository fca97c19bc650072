#!/usr/bin/env bash
# 安装 gazette 需要的一切，然后执行一项任务：
#   scripts/setup.sh build   安装并生成全部随附样刊（build/<公报>/<期>/）
#   scripts/setup.sh test    安装并运行全部测试
#   scripts/setup.sh         只安装
# 可重复运行：已安装的部分会跳过。
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries: Pango for WeasyPrint, hb-subset for fast and byte-identical font
# subsetting, poppler-utils for page images in tests, Chromium for the HTML edition tests.
APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils
              chromium)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "安装系统软件包：${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "创建 Python 虚拟环境 .venv/"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.gazette-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "安装 Python 依赖"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  echo "$wanted" > "$stamp"
fi

case "${1:-}" in
  build) shift; if [ $# -eq 0 ]; then set -- --all; fi; exec .venv/bin/gazette build "$@" ;;
  # Whole test files per worker (--dist loadfile), so a module's fixtures are built once;
  # the 15 slowest tests are listed to keep the suite within its time budget.
  test) shift; exec .venv/bin/python -m pytest -n "${GAZETTE_TEST_WORKERS:-2}" --dist loadfile \
          --durations=15 "$@" ;;
  "") echo "安装完成。" ;;
  *) echo "用法：scripts/setup.sh [build|test]" >&2; exit 2 ;;
esac
