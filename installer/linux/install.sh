#!/usr/bin/env bash
# Install Pose Studio for the current user (no root, no Python needed):
#   the app          -> ~/.local/share/posestudio/app/
#   a launcher       -> ~/.local/bin/PoseStudio
#   the menu entry   -> ~/.local/share/applications/posestudio.desktop (opens the video types it lists)
#   the icon         -> ~/.local/share/icons/hicolor/<size>/apps/posestudio.{png,svg}
# Usage:
#   install.sh [--no-default] [APP_FOLDER]   install (APP_FOLDER: the unpacked PoseStudio folder; found by itself
#                                            when this script sits inside it or in the repo's installer/linux)
#   install.sh --uninstall                   remove all of the above (your models, caches and logs stay)
# --no-default registers Pose Studio under "Open with" without making it the default player for videos.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
config="${XDG_CONFIG_HOME:-$HOME/.config}"
app_dir="$data/posestudio/app"
bin_link="$HOME/.local/bin/PoseStudio"
entry_name="posestudio.desktop"
entry="$data/applications/$entry_name"
icons="$data/icons/hicolor"
sizes="16 32 48 64 128 256 512"

say() { printf '%s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

refresh_caches() {
  if have update-desktop-database; then update-desktop-database -q "$data/applications" || true; fi
  if have gtk-update-icon-cache && [ -d "$icons" ]; then gtk-update-icon-cache -q -f -t "$icons" || true; fi
}

# Remove our entry from mimeapps.list files (defaults set by this script or by the user with "Open with").
forget_mime_defaults() {
  local list
  for list in "$config/mimeapps.list" "$data/applications/mimeapps.list"; do
    [ -f "$list" ] || continue
    sed -i -e "/^[^=]*=$entry_name;*\$/d" -e "s/$entry_name;//g" -e "s/=$entry_name\$/=/" "$list"
  done
}

uninstall() {
  if [ -L "$bin_link" ] || [ -f "$bin_link" ]; then rm -f "$bin_link"; fi
  rm -f "$entry"
  local size
  for size in $sizes; do rm -f "$icons/${size}x${size}/apps/posestudio.png"; done
  rm -f "$icons/scalable/apps/posestudio.svg"
  forget_mime_defaults
  rm -rf "$app_dir" "$app_dir.new" "$app_dir.old"
  refresh_caches
  say "Pose Studio is uninstalled. Your models, caches and logs are still in $data/posestudio, ~/.cache/posestudio and ~/.local/state/posestudio; delete them by hand if you want them gone."
}

make_default=1
src=""
for arg in "$@"; do
  case "$arg" in
    --uninstall) uninstall; exit 0 ;;
    --no-default) make_default=0 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) fail "unknown option $arg; see install.sh --help." ;;
    *) src="$arg" ;;
  esac
done

if [ -z "$src" ]; then
  if [ -x "$here/PoseStudio" ]; then src="$here"; else src="$here/../../dist/PoseStudio"; fi
fi
[ -x "$src/PoseStudio" ] || fail "no built app at $src; build it with installer/build.sh or pass the unpacked PoseStudio folder."
src="$(cd "$src" && pwd)"

template=""
for candidate in "$src/$entry_name" "$here/$entry_name"; do
  if [ -f "$candidate" ]; then template="$candidate"; break; fi
done
[ -n "$template" ] || fail "the menu entry $entry_name is missing beside install.sh; rebuild with installer/build.sh."

icon_src=""
for candidate in "$src/_internal/resources/icons" "$here/../../resources/icons"; do
  if [ -f "$candidate/posestudio.svg" ]; then icon_src="$candidate"; break; fi
done
[ -n "$icon_src" ] || fail "the icons are missing from $src; rebuild with installer/build.sh."

# 1. The app folder: copy beside the old one, then swap, so a failed copy leaves the old install working.
if [ "$src" != "$app_dir" ]; then
  mkdir -p "$(dirname "$app_dir")"
  rm -rf "$app_dir.new" "$app_dir.old"
  cp -a "$src" "$app_dir.new"
  if [ -e "$app_dir" ]; then mv "$app_dir" "$app_dir.old"; fi
  mv "$app_dir.new" "$app_dir"
  rm -rf "$app_dir.old"
fi
exe="$app_dir/PoseStudio"

# 2. Launcher on the PATH.
mkdir -p "$(dirname "$bin_link")"
ln -sfn "$exe" "$bin_link"

# 3. Menu entry, pointing at the installed binary by absolute path (~/.local/bin may not be on a desktop's PATH).
mkdir -p "$data/applications"
sed -e "s|^Exec=.*|Exec=\"$exe\" %F|" -e "s|^TryExec=.*|TryExec=$exe|" "$template" > "$entry.tmp"
mv "$entry.tmp" "$entry"
chmod 644 "$entry"

# 4. Icons: the PNG sizes for menus and docks, the SVG for everything else.
for size in $sizes; do
  if [ -f "$icon_src/posestudio-$size.png" ]; then
    install -D -m 644 "$icon_src/posestudio-$size.png" "$icons/${size}x${size}/apps/posestudio.png"
  fi
done
install -D -m 644 "$icon_src/posestudio.svg" "$icons/scalable/apps/posestudio.svg"

# 5. Tell the desktop: menu and MIME caches, then (unless --no-default) open videos with Pose Studio.
refresh_caches
mime_types=$(sed -n 's/^MimeType=//p' "$entry" | tr ';' ' ')
if [ "$make_default" = 1 ]; then
  if have xdg-mime; then
    # shellcheck disable=SC2086
    xdg-mime default "$entry_name" $mime_types || say "note: xdg-mime could not set the default; use \"Open with\" once."
  else
    say "note: xdg-mime is not installed, so Pose Studio is under \"Open with\" but not the default for videos."
  fi
fi

say "Pose Studio is installed in $app_dir."
say "Start it from the application menu, by opening a video with it, or with: $bin_link"
case ":$PATH:" in
  *":$HOME/.local/bin:"*) ;;
  *) say "note: $HOME/.local/bin is not on your PATH; add it to run PoseStudio from a terminal." ;;
esac
