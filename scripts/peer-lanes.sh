# Sourced by the peer scripts, which run their sessions side by side: a session spends most of
# its time in the peer's own sleeps and the emulator's pacing (a vendor mission flash: 0.6 s of
# CPU in 5.6 s), so $PEER_LANES of them (4 unless set) run at once (`lane_wait` before each).
# Bouffalo's tools also write their eflash_loader config and the images they build into their
# own install folder (chips/<chip>/ inside the package: the only files a session changes there,
# found by listing the venv's newer files after one), so two sessions of one install would read
# each other's half-written files (seen: `BFLB LOAD HELP BIN FAIL`): each of their sessions gets a
# private view instead (`bflb_private`), the package linked file by file, its chips/ copied.

peer_lanes=${PEER_LANES:-4}

# bflb_site PYTHON: the site-packages folder that holds Bouffalo's packages.
bflb_site() {
  "$1" -c "import bflb_flash_command, os; print(os.path.dirname(os.path.dirname(bflb_flash_command.__file__)))"
}

# bflb_private SITE DIR: DIR/site becomes a private view of SITE's Bouffalo packages; run the
# tool with PYTHONPATH=DIR/site.
bflb_private() {
  local pkg
  mkdir -p "$2/site"
  for pkg in bflb_flash_command bflb_iot_tool; do
    cp -rs "$1/$pkg" "$2/site/$pkg" && rm -rf "$2/site/$pkg/chips" && cp -r "$1/$pkg/chips" "$2/site/$pkg/chips" ||
      return 1
  done
}

# lane_wait: returns once fewer than $peer_lanes background sessions run.
lane_wait() { while [ "$(jobs -rp | wc -l)" -ge "$peer_lanes" ]; do wait -n; done; }
