#!/usr/bin/env python3
"""Build the bundled font-identity dataset (resources/fonts/).

Renders the 62 glyphs 0-9A-Za-z of every redistributable, Latin-capable font face
installed from Debian's font packages at 32x32 grayscale, removes near-duplicate
fonts, and writes

  resources/fonts/glyphs.png   8-bit grayscale atlas, one row of 62 glyphs per font,
                               INK = HIGH (white glyph on black, 0 = background)
  resources/fonts/index.json   fonts (name, family, style, package, license, file,
                               aliases, atlas row), characters, split, atlas shape
  resources/fonts/pairs.json   LFW-style verification pairs for val and test

Run:  npm run dataset:fonts   (= python3 scripts/build-font-dataset.py [--out DIR])

Needs (Debian 12 "bookworm"):
  apt-get install python3-pil python3-numpy python3-fonttools
  apt-get install --no-install-recommends $(cat scripts/build-font-dataset.packages.txt)
     -- the font packages installed for the committed build. The script scans whatever
     `fonts-*` / `ttf-*` packages are installed (minus EXCLUDE_PACKAGES), so the output
     depends on what is installed: install exactly that list to reproduce it.
The script re-executes itself with /usr/bin/python3 when the python3 on PATH lacks
PIL (e.g. a pyenv shim).

Rendering: FreeType via Pillow, BASIC layout, anti-aliased, nominal size EM_PX px
per em for every font (so the relative size and weight of a design is kept), the
baseline on row BASELINE_ROW of the 32x32 cell, the glyph's ink bounding box centred
horizontally (integer shift). Ink clipped by the cell is measured; fonts that lose
more than MAX_CLIP of their ink are dropped.

Fonts are dropped when any of the 62 characters is missing from the cmap, maps to
.notdef, renders empty, or renders identical to the font's tofu (.notdef) glyph, or
when fewer than MIN_DISTINCT of the 62 renderings are distinct, or when the layout of
its glyphs is not Latin-like (picture/dingbat fonts; see latin_layout_scores).
Licences are read from /usr/share/doc/<package>/copyright (DEP-5 stanzas when
present); only permissive / font licences are accepted (OFL, Apache, MIT/X11, BSD,
ISC, public domain/CC0, Bitstream Vera/DejaVu, GUST/LPPL, IPA, M+, ParaType free,
Artistic, GPL *with font exception*). Plain GPL/LGPL/AGPL and CC-BY-SA without a
font exception are skipped (their effect on bundled renderings is unclear), and so
is anything the classifier does not recognise.
"""
import os
import sys

try:
    import numpy as np  # noqa: F401
    from PIL import Image, ImageFont  # noqa: F401
    from fontTools.ttLib import TTFont, TTCollection  # noqa: F401
except ImportError:
    if sys.executable != '/usr/bin/python3' and os.path.exists('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3'] + sys.argv)
    raise

import argparse
import fnmatch
import hashlib
import json
import multiprocessing
import random
import re
import subprocess

import numpy as np
from PIL import Image, ImageFont
from fontTools.ttLib import TTFont, TTCollection

CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
SIZE = 32
EM_PX = 24
BASELINE_ROW = 22
CANVAS = 192
ORIGIN = (64, 128)          # baseline-left anchor on the measuring canvas
MAX_CLIP = 0.05             # max fraction of a font's ink outside the 32x32 cells
MIN_DISTINCT = 40           # min number of distinct glyph renderings among 62
LATIN_MIN = 0.1             # min Latin layout score (see latin_layout_scores)
DUP_MAD = 5e-3              # mean |a-b| on [0,1] below this: same identity
SEED = 20200107
SPLIT_FRACTIONS = (0.7, 0.1, 0.2)
FOLDS = 10
PAIRS_PER_FOLD = {'val': 120, 'test': 600}
FONT_EXT = re.compile(r'\.(ttf|otf|ttc|otc)$', re.I)

# Packages deliberately not installed/used (icon, emoji, math-only, huge CJK sets,
# web-only duplicates). The scan below skips them even when installed.
EXCLUDE_PACKAGES = re.compile(
    r'^fonts-(noto-cjk.*|noto-color-emoji|noto-extra|noto-ui-.*|elusive-icons|entypo|'
    r'font-awesome|fork-awesome|glyphicons-halflings|material-design-icons-iconfont|'
    r'materialdesignicons-webfont|powerline|dejavu-web|hack-web|thai-tlwg-web|mathjax.*|'
    r'jsmath|katex|lyx|opensymbol|symbola|ancient-scripts|circos-symbols|cegui|dclfonts|'
    r'campania|denemo|oflb-euterpe|wine|unifont|cns11643-.*|babelstone-han|hanazono|'
    r'ipamj-mincho|arphic-.*)$')

# ---------------------------------------------------------------- licences

ALLOWED = [
    (r'ofl|open font licen[cs]e|sil[-_ ]?1\.1|sil[-_ ]open', 'OFL'),
    (r'apache', 'Apache-2.0'),
    (r'\bmit\b|expat|\bx11\b', 'MIT'),
    (r'\b0?bsd', 'BSD'),
    (r'\bisc\b', 'ISC'),
    (r'public[- ]domain|\bcc0|unlicense|wtfpl|fsfap|gnu-all-permissive|gnu-simple-permissive', 'public-domain/permissive'),
    (r'bitstream|\bvera\b|dejavu', 'Bitstream-Vera'),
    (r'gust|lppl|latex', 'GUST/LPPL'),
    (r'\bipa\b|ipa-1', 'IPA-1.0'),
    (r'm\+ ?font|umefont|sazanamifont|baekmuk', 'M+/Ume/Baekmuk (permissive)'),
    (r'paratype', 'ParaType-Free'),
    (r'artistic', 'Artistic'),
    (r'madduck-special', 'Aenigma (free redistribution, modification with attribution)'),
    (r'bsl-1\.0', 'BSL-1.0'),
    (r'cc-by(?!-sa)', 'CC-BY'),
]
EXCEPTION = re.compile(r'exception|\+fe\b|fontexception|\bfe\b', re.I)
COPYLEFT = re.compile(r'gpl|cc-by-sa|epl|edl', re.I)
NOT_FONT_STANZA = re.compile(r'^(debian/|.*\.(c|h|py|pl|sh|mk|am|in|ac|txt|md|html?|css|js|pdf|tex|sty|cls|dtx|ins)$)', re.I)


def classify_one(name, body=''):
    """Classify a single licence expression (no 'or'/'and'). Returns a label or None."""
    n = name.strip().lower()
    if COPYLEFT.search(n) and not re.search(r'epl|edl', n):
        if EXCEPTION.search(n) or ('gpl' in n and re.search(r'special exception|font exception|embedding exception', body, re.I)):
            base = re.sub(r'-only\+', '-only ', name.strip())
            base = re.sub(r'[ _-]*(with[ _-]*)?(special[ _-]*)?(font[ _-]*)?(embedding[ _-]*)?(exception|fontexception|fe)\b.*$', '', base, flags=re.I)
            base = re.sub(r'(?i)\+(fe|fontexception)$', '+', base).strip()
            return base + ' with font exception'
        return None
    if re.search(r'epl|edl', n):
        return None
    for pat, label in ALLOWED:
        if re.search(pat, n):
            return label if label not in ('OFL',) else ('OFL-1.0' if '1.0' in n else 'OFL-1.1')
    # unknown short name: look at the text
    b = body.lower()
    if 'open font license' in b:
        return 'OFL-1.1'
    if re.search(r'permission is hereby granted, free of charge', b):
        return 'MIT-style (Bitstream/GNOME-like permissive)'
    return None


def classify(expr, bodies):
    """'A or B' -> allowed if any alternative is; 'A and B' -> all parts must be."""
    alts = []
    for alt in re.split(r'\s+or\s+', expr, flags=re.I):
        parts = [p for p in re.split(r'\s+and\s+', alt, flags=re.I) if p.strip()]
        labels = [classify_one(p, bodies.get(p.strip().lower(), '')) for p in parts]
        if labels and all(labels):
            alts.append(' AND '.join(sorted(set(labels))))
    return alts[0] if alts else None


def read_copyright(pkg):
    path = f'/usr/share/doc/{pkg}/copyright'
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def parse_dep5(text):
    paras = re.split(r'\n\s*\n', text)
    stanzas, bodies = [], {}
    for p in paras:
        fields, cur = {}, None
        for line in p.split('\n'):
            m = re.match(r'^([A-Za-z-]+):\s*(.*)$', line)
            if m and not line.startswith((' ', '\t')):
                cur = m.group(1).lower()
                fields[cur] = m.group(2)
            elif cur:
                fields[cur] += '\n' + line
        if 'license' in fields:
            first, _, rest = fields['license'].partition('\n')
            if 'files' in fields:
                stanzas.append((fields['files'].split(), first.strip(), rest))
            if rest.strip():
                bodies[first.strip().lower()] = rest
    return stanzas, bodies


def stem(p):
    b = os.path.basename(p)
    return re.sub(r'\.[A-Za-z0-9]+$', '', b)


FONT_SRC_EXT = re.compile(r'\.(ttf|otf|ttc|otc|sfd|ufo|glyphs|pfb|pfa|afm|woff2?|vfb|designspace)$', re.I)


def pattern_matches(pat, file_path):
    """Does a DEP-5 Files pattern (an upstream source path) name this installed font?
    Upstream paths rarely equal installed ones, so compare base names / stems; a bare
    wildcard base name ('latex/*', 'appstream/*') only names fonts when it carries a
    font extension ('*.sfd', '*.ttf')."""
    base = os.path.basename(pat.rstrip('/'))
    if not re.sub(r'[*?]', '', stem(base)):
        return bool(FONT_SRC_EXT.search(base)) and '/' not in pat.strip('*/').replace(base, '').strip('/') or \
            (bool(FONT_SRC_EXT.search(base)) and not re.match(r'^(debian|latex|doc|docs|appstream|scripts|tools|third_party|test|tests|web|webfonts?)/', pat))
    return fnmatch.fnmatch(os.path.basename(file_path), base) or fnmatch.fnmatch(stem(file_path), stem(base)) or \
        fnmatch.fnmatch(stem(file_path), stem(base) + '[-_ ]*')


def licence_for(pkg, file_path, cache={}):
    """Returns (label, reason). label None -> not redistributable / unclear."""
    if pkg not in cache:
        cache[pkg] = read_copyright(pkg)
    text = cache[pkg]
    if text is None:
        return None, 'no copyright file'
    if re.match(r'\s*Format:', text):
        stanzas, bodies = parse_dep5(text)
        up = [s for s in stanzas if not all(NOT_FONT_STANZA.match(f) for f in s[0])]
        chosen = None
        for files, lic, body in up:                    # DEP-5: the last match wins
            for pat in files:
                if pat == '*':
                    continue
                if pattern_matches(pat, file_path):
                    chosen = (lic, body)
        if chosen is None:
            star = [s for s in up if '*' in s[0]]
            if star:
                chosen = (star[-1][1], star[-1][2])
        if chosen is not None:
            lic, body = chosen
            if body.strip():
                bodies.setdefault(lic.strip().lower(), body)
            label = classify(lic, bodies)
            return label, lic
        # no stanza matches: every upstream licence must be acceptable
        labels = [classify(lic, bodies) for _, lic, _ in up]
        if labels and all(labels):
            return ' / '.join(sorted(set(labels))), 'all upstream stanzas'
        return None, 'unmatched: ' + ' | '.join(sorted(set(s[1] for s in up)))
    # free-form copyright file
    t = text.lower()
    if 'open font license' in t and not re.search(r'general public license', t):
        return ('OFL-1.0' if re.search(r'open font license,? version 1\.0', t) else 'OFL-1.1'), 'free-form'
    if 'gust font license' in t:
        return 'GUST Font License', 'free-form'
    if 'general public license' in t and re.search(r'special exception|font exception|embedding exception', t):
        return 'GPL with font exception', 'free-form'
    if 'general public license' in t:
        return None, 'free-form GPL without font exception'
    if 'public domain' in t:
        return 'public-domain', 'free-form'
    if 'to use as you please' in t:
        return 'public-domain/permissive', 'free-form'
    return None, 'free-form, unrecognised'


# ---------------------------------------------------------------- discovery

def installed_font_packages():
    out = subprocess.run(['dpkg-query', '-W', '-f=${Package}\t${db:Status-Abbrev}\n'],
                         capture_output=True, text=True, check=True).stdout
    pkgs = []
    for line in out.splitlines():
        name, status = line.split('\t')
        if status.startswith('ii') and re.match(r'^(fonts-|ttf-)', name) and not EXCLUDE_PACKAGES.match(name):
            pkgs.append(name)
    return sorted(pkgs)


def package_font_files(pkg):
    out = subprocess.run(['dpkg', '-L', pkg], capture_output=True, text=True).stdout
    files = []
    for f in out.splitlines():
        if FONT_EXT.search(f) and os.path.isfile(f) and not os.path.islink(f):
            files.append(f)
    return sorted(set(files))


def face_count(path):
    if re.search(r'\.(ttc|otc)$', path, re.I):
        try:
            return len(TTCollection(path, lazy=True).fonts)
        except Exception:
            return 0
    return 1


# ---------------------------------------------------------------- rendering

def name_of(tt, nid):
    try:
        rec = tt['name'].getDebugName(nid)
        return rec.strip() if rec else None
    except Exception:
        return None


def render_face(job):
    """Render one face. Returns dict with 'glyphs' (62x32x32 uint8) or 'drop' reason."""
    path, index = job
    res = {'path': path, 'index': index}
    try:
        tt = TTFont(path, fontNumber=index, lazy=True) if index or re.search(r'\.(ttc|otc)$', path, re.I) else TTFont(path, lazy=True)
        cmap = tt.getBestCmap() or {}
        family = name_of(tt, 16) or name_of(tt, 1) or stem(path)
        style = name_of(tt, 17) or name_of(tt, 2) or 'Regular'
        full = name_of(tt, 4) or f'{family} {style}'
        res.update(family=family, style=style, name=full)
        missing = [c for c in CHARS if ord(c) not in cmap or cmap[ord(c)] == '.notdef']
        tt.close()
        if missing:
            res['drop'] = 'missing glyphs: ' + ''.join(missing[:10])
            return res
        font = ImageFont.truetype(path, size=EM_PX, index=index, layout_engine=ImageFont.Layout.BASIC)
    except Exception as e:  # unreadable font
        res['drop'] = f'unreadable: {type(e).__name__}: {e}'[:200]
        return res

    def draw(ch):
        img = Image.new('L', (CANVAS, CANVAS), 0)
        from PIL import ImageDraw
        ImageDraw.Draw(img).text(ORIGIN, ch, fill=255, font=font, anchor='ls')
        return np.asarray(img)

    try:
        tofu = draw('\U0010FFFD')
        glyphs = np.zeros((len(CHARS), SIZE, SIZE), np.uint8)
        total_ink = 0.0
        kept_ink = 0.0
        for i, ch in enumerate(CHARS):
            a = draw(ch)
            s = float(a.sum())
            if s == 0:
                res['drop'] = f'empty rendering of {ch!r}'
                return res
            if tofu.sum() > 0 and np.array_equal(a, tofu):
                res['drop'] = f'tofu for {ch!r}'
                return res
            cols = np.nonzero(a.any(axis=0))[0]
            cx = (cols[0] + cols[-1] + 1) / 2.0
            x0 = int(np.floor(cx - SIZE / 2 + 0.5))
            y0 = ORIGIN[1] - BASELINE_ROW
            win = np.zeros((SIZE, SIZE), np.uint8)
            sx0, sy0 = max(x0, 0), max(y0, 0)
            sx1, sy1 = min(x0 + SIZE, CANVAS), min(y0 + SIZE, CANVAS)
            win[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = a[sy0:sy1, sx0:sx1]
            glyphs[i] = win
            total_ink += s
            kept_ink += float(win.sum())
    except Exception as e:
        res['drop'] = f'render failed: {type(e).__name__}: {e}'[:200]
        return res
    clip = 1.0 - kept_ink / total_ink
    res['clip'] = clip
    if clip > MAX_CLIP:
        res['drop'] = f'clipped {clip:.1%} of ink'
        return res
    distinct = len({g.tobytes() for g in glyphs})
    if distinct < MIN_DISTINCT:
        res['drop'] = f'only {distinct} distinct glyphs'
        return res
    res['glyphs'] = glyphs
    return res


# ---------------------------------------------------------------- dedup / split / pairs

def latin_layout_scores(glyphs):
    """How Latin-like the layout of a font's 62 glyphs is: the per-character ink top row,
    bottom row and width (each z-scored within the font) correlated with the median of
    those profiles over all fonts. Letter fonts, decorative ones included, follow the
    Latin pattern (x-height vs cap height, descenders of gjpqy, narrow il1, wide MW) and
    score about 0.9; picture/dingbat fonts that merely map pictures to the letter code
    points (cubes, stars, snowflakes, runes) score near 0."""
    ink = glyphs > 64
    rows, cols = ink.any(axis=3), ink.any(axis=2)
    top = np.argmax(rows, axis=2)
    bot = SIZE - 1 - np.argmax(rows[:, :, ::-1], axis=2)
    wid = SIZE - np.argmax(cols, axis=2) - np.argmax(cols[:, :, ::-1], axis=2)
    empty = ~rows.any(axis=2)
    top[empty], bot[empty], wid[empty] = SIZE // 2, SIZE // 2, 0

    def z(x):
        x = x.astype(np.float64)
        x = x - x.mean(axis=1, keepdims=True)
        sd = x.std(axis=1, keepdims=True)
        return x / np.where(sd > 0, sd, 1)

    feat = np.concatenate([z(top), z(bot), z(wid)], axis=1)
    ref = np.median(feat, axis=0)
    ref = (ref - ref.mean()) / ref.std()
    return (feat * ref).mean(axis=1)


def dedup(glyphs):
    """Union-find over pairs with mean |a-b| < DUP_MAD (pixels scaled to [0,1])."""
    n = glyphs.shape[0]
    flat = glyphs.reshape(n, -1)
    per_char = glyphs.reshape(n, len(CHARS), -1).astype(np.float64).mean(axis=2) / 255.0
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    checked = 0
    for i in range(n):
        # lower bound on the MAD: mean over chars of |mean ink difference|
        lb = np.abs(per_char[i + 1:] - per_char[i]).mean(axis=1)
        for j in np.nonzero(lb < DUP_MAD)[0] + i + 1:
            checked += 1
            mad = np.abs(flat[i].astype(np.int16) - flat[j].astype(np.int16)).mean() / 255.0
            if mad < DUP_MAD:
                ri, rj = find(i), find(int(j))
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(n)], checked


# Style words dropped from a family name before grouping: the faces of one design are
# often registered as separate families ("IBM 3270" / "IBM 3270 Condensed", "Inter" /
# "Inter Display", "Doulos SIL" / "Doulos SIL Compact").
STYLE_WORD = re.compile(
    r'(ultra|extra|semi|demi)?(condensed|cond|cn|expanded|extended|narrow|wide|compressed|light|thin|'
    r'hairline|bold|black|heavy|medium|book|regular|italic|oblique|slanted|roman|upright|display|text|'
    r'caption|subhead|std|pro|lt|mn|it|bd|rg|compact)')
# Two fonts whose 2x2-pooled glyphs differ by an RMS below this (on [0, 1]) share one design
# under different names (Liberation Serif / UKIJ Esliye, TeX Gyre Pagella / P052, Arundina /
# Verana). Measured on the bundled fonts: up to 0.035 such links join only same-design fonts;
# from 0.04 on they start chaining distinct designs (Inter + Lato + Cantarell).
DESIGN_RMS = 0.035


def family_key(family):
    """Family name without case, punctuation and style words."""
    words = re.sub(r'[^a-z0-9]+', ' ', family.lower()).split()
    kept = [w for w in words if not STYLE_WORD.fullmatch(w)]
    return ''.join(kept) or ''.join(words)


def design_groups(fonts, glyphs):
    """Union-find over (a) equal family keys and (b) glyph sets closer than DESIGN_RMS.
    Returns one group id per font: the smallest font index of its group."""
    n = len(fonts)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first = {}
    for i, f in enumerate(fonts):
        k = family_key(f['family'])
        if k in first:
            union(i, first[k])
        else:
            first[k] = i
    pooled = glyphs.reshape(n, len(CHARS), SIZE // 2, 2, SIZE // 2, 2).astype(np.float32).mean(axis=(3, 5))
    pooled = pooled.reshape(n, -1) / 255.0
    sq = (pooled * pooled).sum(axis=1)
    for i in range(n):                               # row by row: memory stays O(n)
        d2 = (sq[i] + sq[i + 1:] - 2.0 * pooled[i + 1:] @ pooled[i]) / pooled.shape[1]
        for j in np.nonzero(d2 < DESIGN_RMS ** 2)[0]:
            union(i, int(j) + i + 1)
    return [find(i) for i in range(n)]


def make_split(groups, rng):
    """Design groups, whole, to train and to FOLDS val folds and FOLDS test folds.
    Groups are taken in a seeded random order; each goes to a bin drawn with probability
    proportional to the bin's remaining room (its share of the fonts by SPLIT_FRACTIONS
    minus what it holds), among the bins with room for at least half the group; a group
    no val/test fold has room for goes to train. So no design is in two splits, every
    identity (and design) of a val/test fold is in no other fold, and the folds come out
    about equal."""
    members = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    order = sorted(members)
    rng.shuffle(order)
    n = len(groups)
    bins = [('train', 0, n * SPLIT_FRACTIONS[0])]
    for part, frac in (('val', SPLIT_FRACTIONS[1]), ('test', SPLIT_FRACTIONS[2])):
        bins += [(part, k, n * frac / FOLDS) for k in range(FOLDS)]
    held = [[] for _ in bins]
    for g in order:
        size = len(members[g])
        room = [max(0.0, target - len(h)) for (_, _, target), h in zip(bins, held)]
        fits = [r if r >= size / 2 else 0.0 for r in room]
        total = sum(fits)
        pick = 0
        if total > 0:
            x = rng.random() * total
            for b, r in enumerate(fits):
                if r > 0:
                    pick = b
                    x -= r
                    if x < 0:
                        break
        held[pick] += members[g]
    split = {'train': sorted(held[0])}
    for part in ('val', 'test'):
        folds = [sorted(h) for (p, _, _), h in zip(bins, held) if p == part]
        split[part] = sorted(i for fold in folds for i in fold)
        split[part + 'Folds'] = folds
    return split


def make_pairs(fold_fonts, per_fold, rng):
    """One fold of pairs per entry of fold_fonts, drawn only from that fold's fonts (the
    folds share no identity, as LFW's View 2); each fold per_fold/2 genuine then
    per_fold/2 impostor pairs.
    The character pairs are drawn once per fold (two distinct characters, uniformly)
    and used for both the genuine and the impostor half, so the character statistics
    of genuine and impostor pairs are identical and cannot be exploited by a
    character classifier. Genuine: one font of the split; impostor: two different
    fonts of the split. No (font, char) pair repeats within a set."""
    seen = set()
    folds = []
    half = per_fold // 2
    for fonts in fold_fonts:
        char_pairs = [tuple(rng.sample(range(len(CHARS)), 2)) for _ in range(half)]
        fold = []
        for same in (True, False):
            for c1, c2 in char_pairs:
                while True:
                    if same:
                        f1 = f2 = rng.choice(fonts)
                    else:
                        f1, f2 = rng.sample(fonts, 2)
                    key = (min((f1, c1), (f2, c2)), max((f1, c1), (f2, c2)))
                    if key not in seen:
                        break
                seen.add(key)
                fold.append([f1, c1, f2, c2, 1 if same else 0])
        folds.append(fold)
    return folds


def write_split_and_pairs(out, index, glyphs):
    """Group the fonts by design, split the groups, draw the pairs per fold and write
    index.json (index plus each font's group and the split) and pairs.json."""
    fonts = index['fonts']
    groups = design_groups(fonts, glyphs)
    for f, g in zip(fonts, groups):
        f['group'] = g
    split = make_split(groups, random.Random(SEED))
    index['grouping'] = {
        'familyKey': 'family name, lower case, letters and digits only, style words dropped',
        'styleWords': STYLE_WORD.pattern,
        'designRms': DESIGN_RMS,
        'designMetric': 'RMS difference on [0,1] of the 62 glyphs pooled 2x2 to 16x16',
        'groups': len(set(groups)),
        'note': 'fonts with the same family key or closer glyph sets share a group; '
                'a group is never split between train, val and test, nor between folds',
    }
    index['split'] = {'seed': SEED, 'fractions': list(SPLIT_FRACTIONS), 'by': 'design group', **split}
    pairs = {}
    for part in ('val', 'test'):
        folds = make_pairs(split[part + 'Folds'], PAIRS_PER_FOLD[part], random.Random(f'{SEED}-{part}'))
        pairs[part] = [p for fold in folds for p in fold]
    atomic_write(os.path.join(out, 'index.json'), json.dumps(index, indent=1, ensure_ascii=False) + '\n')
    pairs_doc = {
        'version': 2,
        'description': 'LFW-style verification pairs: [fontA, charA, fontB, charB, same]; font = index into '
                       'index.json fonts, char = index into chars. 10 contiguous folds per set; fold k uses only '
                       'the fonts of index.json split.<set>Folds[k], so no identity (nor design group) is in two '
                       'folds. Each fold is half genuine (same font, two different characters) then half impostor '
                       '(two different fonts of the fold); the k-th impostor pair of a fold uses the same two '
                       'characters as its k-th genuine pair.',
        'folds': FOLDS,
        'perFold': PAIRS_PER_FOLD,
        'val': pairs['val'],
        'test': pairs['test'],
    }
    text = '{\n'
    for k in ('version', 'description', 'folds', 'perFold'):
        text += f' {json.dumps(k)}: {json.dumps(pairs_doc[k], ensure_ascii=False)},\n'
    for k in ('val', 'test'):
        text += f' {json.dumps(k)}: [\n'
        text += ',\n'.join('  ' + json.dumps(p, separators=(',', ':')) for p in pairs_doc[k])
        text += '\n ]' + (',\n' if k == 'val' else '\n')
    atomic_write(os.path.join(out, 'pairs.json'), text + '}\n')
    return split, pairs


def atomic_write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def resplit(out):
    """Regroup, resplit and redraw the pairs of an existing build (index.json + atlas),
    without the font packages: the identities and the atlas stay as they are."""
    index_file = os.path.join(out, 'index.json')
    with open(index_file) as f:
        index = json.load(f)
    Image.MAX_IMAGE_PIXELS = None
    rows = []
    for entry in index['atlas']:
        path = os.path.join(out, entry['file'])
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if entry.get('sha256') and digest != entry['sha256']:
            sys.exit(f'{path}: sha256 {digest[:12]} does not match index.json ({entry["sha256"][:12]})')
        atlas = np.asarray(Image.open(path).convert('L'))
        n = entry['fonts']
        rows.append(atlas.reshape(n, SIZE, len(CHARS), SIZE).transpose(0, 2, 1, 3))
    glyphs = np.concatenate(rows)
    if glyphs.shape[0] != len(index['fonts']):
        sys.exit(f'{index_file}: the atlases hold {glyphs.shape[0]} fonts, "fonts" lists {len(index["fonts"])}')
    index['version'] = 2
    return write_split_and_pairs(out, index, glyphs)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--out', default=os.path.join(here, '..', 'resources', 'fonts'))
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--limit', type=int, default=0, help='debug: only the first N faces')
    ap.add_argument('--report', default='', help='write a per-face report (TSV) here')
    ap.add_argument('--resplit', action='store_true',
                    help='keep the fonts and atlas in --out, redo only the grouping, split and pairs')
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if args.resplit:
        split, pairs = resplit(out)
        print(json.dumps({'identities': sum(len(split[k]) for k in ('train', 'val', 'test')),
                          **{k: len(split[k]) for k in ('train', 'val', 'test')},
                          'testFolds': [len(f) for f in split['testFolds']],
                          'valFolds': [len(f) for f in split['valFolds']],
                          'pairs': {k: len(v) for k, v in pairs.items()}}), file=sys.stderr)
        return

    # 1. discover faces, classify licences, skip byte-identical files
    jobs, meta, report = [], {}, []
    seen_hash = {}
    for pkg in installed_font_packages():
        for path in package_font_files(pkg):
            label, why = licence_for(pkg, path)
            if label is None:
                report.append((pkg, path, 0, 'licence', why))
                continue
            with open(path, 'rb') as f:
                h = hashlib.sha256(f.read()).hexdigest()
            if h in seen_hash:
                report.append((pkg, path, 0, 'identical file', seen_hash[h]))
                continue
            seen_hash[h] = path
            for idx in range(face_count(path)):
                jobs.append((path, idx))
                meta[(path, idx)] = (pkg, label)
    if args.limit:
        jobs = jobs[:args.limit]
    print(f'{len(jobs)} faces to render', file=sys.stderr)

    # 2. render
    with multiprocessing.Pool(args.jobs) as pool:
        results = pool.map(render_face, jobs, chunksize=4)
    ok = []
    for r in results:
        pkg, label = meta[(r['path'], r['index'])]
        if 'drop' in r:
            report.append((pkg, r['path'], r['index'], 'dropped', r['drop']))
        else:
            r['package'], r['license'] = pkg, label
            ok.append(r)
    # deterministic order: package, file, face
    ok.sort(key=lambda r: (r['package'], r['path'], r['index']))
    print(f'{len(ok)} faces rendered with all 62 glyphs', file=sys.stderr)

    # 3. fonts whose glyphs are not Latin letters (pictures mapped to letter code points)
    scores = latin_layout_scores(np.stack([r['glyphs'] for r in ok]))
    latin = []
    for r, sc in zip(ok, scores):
        if sc < LATIN_MIN:
            report.append((r['package'], r['path'], r['index'], 'dropped', f'not Latin-like (layout score {sc:.3f})'))
        else:
            latin.append(r)
    print(f'{len(ok) - len(latin)} faces dropped as not Latin-like', file=sys.stderr)
    ok = latin

    # 4. near-duplicates
    glyphs = np.stack([r['glyphs'] for r in ok])
    roots, checked = dedup(glyphs)
    keep = [i for i in range(len(ok)) if roots[i] == i]
    aliases = {i: [] for i in keep}
    for i, r in enumerate(roots):
        if r != i:
            aliases[r].append(i)
            report.append((ok[i]['package'], ok[i]['path'], ok[i]['index'], 'duplicate of',
                           f"{ok[r]['name']} ({ok[r]['package']})"))
    n_clusters = sum(1 for i in keep if aliases[i])
    n_in_clusters = sum(len(aliases[i]) + 1 for i in keep if aliases[i])
    print(f'{len(keep)} identities; {n_clusters} duplicate clusters hold {n_in_clusters} fonts '
          f'({checked} candidate pairs checked)', file=sys.stderr)

    # 4. unique display names
    names = [ok[i]['name'] for i in keep]
    counts = {}
    for nme in names:
        counts[nme] = counts.get(nme, 0) + 1

    def rel(p):
        return os.path.relpath(p, '/usr/share/fonts') if p.startswith('/usr/share/fonts/') else p

    fonts = []
    for row, i in enumerate(keep):
        r = ok[i]
        name = r['name'] if counts[r['name']] == 1 else f"{r['name']} ({r['package']}, {os.path.basename(r['path'])}{'#' + str(r['index']) if r['index'] else ''})"
        fonts.append({
            'name': name, 'family': r['family'], 'style': r['style'], 'package': r['package'],
            'license': r['license'], 'file': rel(r['path']) + (f"#{r['index']}" if r['index'] else ''),
            'aliases': [f"{ok[a]['name']} [{ok[a]['package']}: {rel(ok[a]['path'])}{'#' + str(ok[a]['index']) if ok[a]['index'] else ''}]"
                        for a in aliases[i]],
            'row': row,
        })
    seen_names = set()
    for f in fonts:
        base, k = f['name'], 2
        while f['name'] in seen_names:
            f['name'] = f'{base} #{k}'
            k += 1
        seen_names.add(f['name'])

    # 5. atlas: one row of 62 glyphs per font
    kept = glyphs[keep]
    atlas = kept.transpose(0, 2, 1, 3).reshape(len(keep) * SIZE, len(CHARS) * SIZE)
    atlas_file = 'glyphs.png'
    Image.fromarray(atlas, mode='L').save(os.path.join(out, atlas_file), optimize=True, compress_level=9)

    index = {
        'version': 2,
        'description': 'Font identities: glyphs 0-9A-Za-z of redistributable Debian fonts, '
                       '32x32, 8-bit grayscale, ink = high (255), background = 0.',
        'size': SIZE,
        'chars': CHARS,
        'render': {'emPx': EM_PX, 'baselineRow': BASELINE_ROW, 'horizontal': 'ink bbox centred',
                   'maxClip': MAX_CLIP, 'renderer': 'Pillow/FreeType, BASIC layout, anti-aliased'},
        'latinLayoutMin': LATIN_MIN,
        'dedup': {'threshold': DUP_MAD, 'metric': 'mean absolute pixel difference on [0,1] over all 62 glyphs',
                  'fontsRendered': len(ok), 'clusters': n_clusters, 'fontsInClusters': n_in_clusters,
                  'dropped': len(ok) - len(keep)},
        'atlas': [{'file': atlas_file, 'width': len(CHARS) * SIZE, 'height': len(keep) * SIZE,
                   'firstFont': 0, 'fonts': len(keep),
                   'sha256': hashlib.sha256(open(os.path.join(out, atlas_file), 'rb').read()).hexdigest()}],
        'fonts': fonts,
    }
    split, pairs = write_split_and_pairs(out, index, kept)
    if args.report:
        with open(args.report, 'w') as f:
            for row in sorted(report, key=lambda r: (r[0], r[1], r[2])):
                f.write('\t'.join(str(x) for x in row) + '\n')
    lic = {}
    for f_ in fonts:
        lic[f_['license']] = lic.get(f_['license'], 0) + 1
    print(json.dumps({'identities': len(fonts), **{k: len(split[k]) for k in ('train', 'val', 'test')},
                      'pairs': {k: len(v) for k, v in pairs.items()}, 'licenses': lic}, indent=1), file=sys.stderr)


if __name__ == '__main__':
    main()
