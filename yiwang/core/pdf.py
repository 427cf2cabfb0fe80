"""What every PDF the platform prints shares (the cockpit's monthly report, the honour
list's passes, the volunteer hours certificate, the battle map's meeting pack): written in
Simplified Chinese whatever the reader's language, in a CJK font that Debian's
fonts-noto-cjk provides (with fallbacks)."""

LANGUAGE = "zh-hans"
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", sans-serif'
