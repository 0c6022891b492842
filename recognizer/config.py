"""Every tunable number of the recognizer, in one place."""

from pathlib import Path

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
"""Where the shipped model lives (the repository's ``models/``)."""

MODEL_FILE = "digits.tflite"
"""The LiteRT model in a model directory: float32 (N, 28, 28, 1) in [0, 1] -> (N, 11) softmax,
the ten digits then "not a digit" (a 10-class model, from before that class, still loads)."""

NOT_A_DIGIT = 10
"""The model's class after the ten digits: the piece of ink shown to it is no digit."""

KERAS_FILE = "digits.keras"
"""The Keras model inside a model directory, kept for fine-tuning."""

METRICS_FILE = "metrics.json"
"""Evaluation figures written by training, read by the bot's /stats."""

UNSURE_BELOW = 0.80
"""Below this confidence the answer says the model is unsure and names the runner-up."""

# --- Decoding -------------------------------------------------------------------------------

MAX_IMAGE_PIXELS = 50_000_000
"""Larger images are refused from the header: 50 MP is beyond any phone camera's default."""

DECODE_MEMORY_BUDGET = 64 * 1024 * 1024
"""Bytes one decode may hold at its peak, judged from the header before decoding. The bot reads
two images at once within 250 MB in all, ~110 MB of which is the bot itself. Read: a 12 MP phone
HEIC, 13 MP RGB or 7 MP RGBA PNG, 4 MP WebP; 7000x7000 PNG or WebP is refused. JPEGs decode
reduced, so only MAX_IMAGE_PIXELS limits them."""

MIN_IMAGE_SIDE = 8
"""Smaller images cannot hold a readable digit (MNIST itself is 28 px)."""

DECODE_TARGET_SIDE = 640
"""JPEGs are decoded at the smallest reduced scale whose long side still reaches this size."""

# --- Preprocessing --------------------------------------------------------------------------

WORK_SIDE = 512
"""The long side the pipeline works at: enough for thin pen strokes, small enough to stay fast."""

MAX_IMAGE_ASPECT = WORK_SIDE // MIN_IMAGE_SIDE
"""An image's long side may be at most this many times (64) its short side: shrunk to the
working size, a narrower strip would be under MIN_IMAGE_SIDE across (a 10000x10 strip is one
pixel), too thin to hold a digit."""

BACKGROUND_SIDE = 96
"""The long side of the coarse copy on which paper brightness (lighting, shadows) is estimated."""

BACKGROUND_KERNEL_FRACTION = 0.3
"""Closing kernel for the paper estimate, as a fraction of that coarse copy's long side: wider
than any marker stroke even when the digit fills the frame, narrower than a shadow's gradient."""

STROKE_KERNELS = (5, 9, 15, 25, 41)
"""Closing kernels (px at WORK_SIDE, scaled with the image) tried for the paper, narrow to wide:
from a ballpoint's 2 px stroke to a marker's on a digit a third of the frame tall."""

STROKE_KERNEL_GROWTH = 1.25
"""A kernel whose ink is at most this multiple of the narrower kernel's has taken the strokes in
whole: wider ones would only add shadows' narrow parts and blurred edges."""

STROKE_TILES = 4
"""The ink's growth from one kernel to the next is judged in each tile of a 4x4 grid: where the
strokes are, not diluted by printed lines all over the paper."""

STROKE_KERNEL_PER_HEIGHT = 0.25
"""The paper's kernel is at least this share of the tallest thick writing's height: a marker's
stroke is up to about a seventh of the digit's height."""

THICK_STROKE = 5
"""Ink (px, working image) an opening this wide leaves is thick writing: marker, not ballpoint
nor a printed line."""

THICK_STROKE_SHARE = 0.35
"""Thick ink whose broadest part is wider than this share of its height is a shadow, not writing:
a marker's stroke is up to about a seventh of the digit's height, a third when written small."""

STROKE_KERNELS_MIN_SIDE = 256
"""Smaller pictures (drawings on a small canvas, where one digit fills the frame) get the paper
from the coarse copy with a kernel wider than any stroke."""

OTHER_RUNGS = slice(1, 4)
"""When the reading under the likeliest paper is unsure, the papers of these rungs (9, 15 and
25 px at WORK_SIDE: a ballpoint's to a thin marker's strokes) are read too, and the model's
surest reading wins."""

POLARITY_KERNEL = 7
"""Kernel (px at WORK_SIDE) under which thin structure decides the ink's polarity: a pen stroke
is narrower, the gaps between a hand shadow's fingers are wider."""

LIGHT_INK_SHARE = 0.03
"""Light-on-dark by brightness stands without the thin-structure check when less than this share
of the picture is near its light extreme: chalk on a board, not lit paper beside a shadow."""

POLARITY_MARGIN = 4.0
"""Dark thin structure must outweigh light thin structure this many times to overrule a
light-on-dark verdict: chalk strokes are grainy, their gaps are dark thin structure too."""

ENCLOSURE_FILL = 0.2
"""A piece inked over less than this share of its box is a thin outline: when it holds other
ink, the edge of a sheet or a box around the writing."""

BOX_HEIGHT = 4
"""An outline at most this many times as tall as the tallest piece it holds is a printed box or
comb field around the writing (a sheet's edges are far larger): a digit may touch it, so only
its straight lines are taken out. Larger outlines are left out whole."""

FRAME_SPAN = 0.9
"""A piece reaching across this share of the frame's width or height, beside other ink, is
printed structure the writing touches, and loses its straight lines as a box does."""

OUTLINE_LINE_REACH = 0.6
"""An outline's straight lines reach at least this share of its box's short side (a box's sides,
a comb field's dividers); they are taken out, and ink that touched them (a digit touching its
box) is read."""

OUTLINE_LINE_WIDTH = 3
"""Width (px at the working size) an outline's straight line is taken out with: a printed line
and its blur."""

DOT_FILL = 0.6
"""A piece that fills this share of its box, and is less than DOT_ASPECT times as tall as wide,
is a dot (dotted paper, a full stop), not a pen's stroke."""

DOT_ASPECT = 1.5

EDGE_MIN_REACH = 0.25
"""Pieces reaching this share of the working image's long side are checked for being a sheet's
or a table's straight edge rather than a stroke."""

EDGE_ASPECT = 80
"""A piece this many times longer than it is thick is an edge: a pen's stroke on a digit is a
few dozen times longer than the tip is wide at most."""

SHADOW_THICKNESS = 0.3
"""A piece whose thickest part (twice its largest inscribed radius) is at least this share of
its height is broad, like the shade of a hand, a phone or a pen, not like a pen's stroke (a
digit's strokes are about a tenth of its height)."""

SHADOW_WEAKNESS = 0.75
"""A broad piece is shade when its bulk (median strength) is weaker than this share of the
writing's ink (its own strongest part, 99th percentile, or a thinner piece's 90th percentile):
a shadow darkens the paper less than ink does. Its pixels weaker than halfway between are
taken out."""

SHADOW_WRITING_CONTRAST = 0.4
"""...or when its strongest part (99th percentile) is darker than its bulk by this share of what
light the bulk leaves: writing inside a dark shadow, as ink on paper, which the shadow's own
texture never is."""

SHADOW_PEN_RATIO = 8.0
"""A broad piece with no writing on it that is this many times as thick as the thinnest piece
is a shape (a phone's shadow, an object), not a stroke, whatever its darkness: one pen wrote
the digits."""

SHADOW_MASSIVE_RATIO = 16.0
"""A piece with no writing on it this many times as thick as a piece darker than it is a shape
too, even when it is not broad for its height (a hard shadow's wedge across the frame): twice
SHADOW_PEN_RATIO, since only its thickness against that writing's speaks for it."""

SHADOW_FAT_RATIO = 2.0
"""A piece with no writing on it at least this many times as thick as a piece darker than it...
"""

SHADOW_FAINT = 0.5
"""...and whose bulk is weaker than this share of the writing's ink is shade, however narrow
for its height: a finger's shadow standing beside a small digit like a fat, faint 1. Writing
with one pen never differs that much in both."""

SHADOW_WITNESS_HEIGHT = 0.02
"""Pieces shorter than this share of the working image's long side are neither judged nor
witnesses for shade: grain and specks."""

SHADE_OWN_WRITING = 0.03
"""A broad piece is measured against its own strongest part (writing on a shadow) only when it
is at least this share of the working image's long side thick, as the shadow of a hand or a
phone is; a printed comb or a marker's digit alone is thinner, and its soft edges no shade."""

SHADOW_MIN_THICKNESS = 0.012
"""...and shade is at least this share of the working image's long side thick: the camera's blur
makes a small digit's strokes broad for its height, never this broad."""

DASH_THICKNESS = 2.5
"""A piece no thicker than this (px at the working size: its area over its box's diagonal) is a
hairline: a dash of an edge the ink threshold broke up, or a fine pen's stroke."""

DASH_MIN_REACH = 0.02
"""Edges broken into dashes are looked for only when some hairline reaches this share of the
working image's long side: shorter ones are grain, and pass for no digit."""

DASH_COVERAGE = 0.3
"""Hairlines inked over this share of a straight line reaching EDGE_MIN_REACH of the frame..."""

DASH_ON_LINE = 0.8
"""...are an edge's dashes when this share of each one's pixels lies on that line."""

MIN_INK_CONTRAST = 0.18
"""Least darkening relative to the local paper that counts as ink on any paper; sensor noise and
paper texture stay below it, ballpoint on paper is far above it."""

LEAST_INK_CONTRAST = 0.05
INK_GRAIN_MULTIPLE = 3.0
"""On smooth paper the ink threshold is this many times the paper's grain (the 90th percentile
of the ink strength), down to LEAST_INK_CONTRAST: a pencil's stroke that fades between darker
stretches is read whole, and a page written only faintly is read (``ink.written``). A thin
pencil stroke shrunk to the working size darkens smooth paper by as little as 0.08-0.15 (was
0.12: small pencil digits on smooth paper broke into specks, and a lone darker piece, a sticky
note's edge, was read as the number)."""

INK_GRAIN_STEP = 4
"""The grain is measured on every this-many-th pixel of each row and column: it is a
percentile of the whole picture, and a sixteenth of the pixels gives it."""

MIN_COMPONENT_FRACTION = 0.00015
"""Components smaller than this fraction of the working image are specks (dust, noise, grain)."""

MIN_STROKE_REACH = 0.04
"""...unless they reach this fraction of the working image's long side: a thin stroke in a big
photo has little area but is long, a speck is short."""

THIN_STROKE_HEIGHT = 0.65
LINE_STROKE_SLACK = 0.25
"""A speck at least THIN_STROKE_HEIGHT as tall as a line's writing (the median height of its
pieces at least half as tall as its tallest), standing within the line's band give or take
LINE_STROKE_SLACK of that height, is a thin stroke of that line (a small 1), not dust
(``layout._with_thin_strokes``)."""

DARKEST_PAPER = 64.0
"""Contrast is measured against at least this paper brightness, so noise in a nearly black
picture does not pass for ink."""

LINE_SLANT_TOLERANCE = 9
"""Rows (px, working image) within which strips must agree on a printed line: it may be a few
degrees off level."""

LINE_MAX_TILT = 6.0
"""Degrees off level a photo's printed lines may run (a turned sheet, perspective); the lines
are found along the angle, within this range, at which their ink lines up best."""

LINE_TILT_GAIN = 1.15
"""How much better than level a tilt must line the ink up to count: on plain paper the best
tilt wins by a few percent by chance, a turned ruled sheet's by 20% and more."""

LINE_TILT_STEP = 0.5
"""Degrees between the tilts tried; finer than a line stays within a strip's rows."""

TILT_BLOCKS = 12
"""Blocks of columns whose row sums are shifted together when a tilt is tried: narrow enough
that a line at the steepest tilt drifts by a row or so within one."""

LINE_STRIPS = 8
"""Strips the image is cut into across a line's direction; within one, a slanted line stays
within a few rows. Most strips must agree on a line, so a digit filling a strip cannot."""

LINE_ROWS = 3
"""Rows a printed line is allowed to wander within one strip."""

LINE_COVERAGE = 0.6
"""Share of a strip's row that must be inked for the row to be a candidate printed line."""

LONE_LINE_REACH = 2.0
"""A single straight line (no family of printed lines) is printed, not written, when it reaches
this many times further than the tallest other ink is tall: an answer line or a comb field's
base under a digit; a 7's bar in a tight crop is shorter than the 7 is tall."""

UNDERLINE_MIN_REACH = 0.125
"""Level straight runs inside the pieces of ink reaching this share of the working image's long
side are checked for being a short printed line the writing touches (an answer line, a comb
field's base): the lines across the frame are traced before, and no digit's bar is that long
unless the digit is taller still."""

UNDERLINE_LEVEL = 0.2
"""Rise over run within which such a run counts as level: a photo's sheet is turned a few
degrees, perspective adds a few more."""

UNDERLINE_MAX_FILL = 0.5
"""A piece filling this share of its box or more is a broad shape (a shadow), not a line with
writing on it: it is not searched for one."""

UNDERLINE_WIDTH = 3
"""Width (px, working image) of the band along a found run that is taken out with it."""

COMB_TEETH = 3
"""Fewest thin pieces standing on a printed line that make it a comb field's teeth: a 1 written
on an answer line stands alone."""

COMB_TOOTH_HEIGHT = 0.75
"""A comb field's teeth are shorter than this share of the tallest writing; a 1 is as tall as
the digits beside it."""

COMB_TOOTH_SPREAD = 0.15
"""A comb field's teeth are printed alike: upright sticks whose heights differ from their
median by at most this share of it. Pieces of digits that a grid's lines cut off, standing on a
line, differ more."""

LINE_INK_RATIO = 1.6
"""Ink darker than this multiple of the printed lines' typical ink is pen, even on a line."""

LINE_THICKNESS = 6
"""Ink thicker than this (px) across a printed line is a pen stroke crossing it, and stays..."""

LINE_STROKE_MARGIN = 2
"""...or thicker than the lines themselves by this much (px), for thick lines: squared paper
seen close up has lines as thick as a ballpoint's strokes."""

MNIST_CENTRE = 14.0
"""Where MNIST digits' centre of mass sits (measured on the test set, pixel-index coordinates)."""

MNIST_CENTRE_SLACK = 1.0
"""A 28x28 picture whose centre of mass is this far (px) from MNIST_CENTRE is no MNIST digit
(every MNIST test digit's centre lies within 0.5 px of it)."""

MNIST_BOX_SIDES = (17, 21)
"""...nor one whose ink's long side is outside this range (px): MNIST fits digits into 20x20."""

STROKE_SCALE = 4
"""Strokes are measured and adjusted at this multiple of the 20x20 box, so 1 px changes are fine."""

MERGE_GAP_FRACTION = 0.35
"""Ink within this fraction of the chosen stroke's height joins it (a 5's cap, a broken stroke)."""

DIGIT_BOX = 20
"""MNIST fits each digit into a 20x20 box keeping its aspect ratio..."""

CANVAS = 28
"""...and centres the box's centre of mass in a 28x28 image."""

MAX_LEAN = 0.4
"""Digits leaning right further than this (x shift per row of the ink's moments, about 22 degrees)
are sheared back to it before the 28x28 fit (``recognizer.render.deslant``)."""

MNIST_STROKE_WIDTH = 2.25
"""Median stroke width of MNIST test digits, in pixels of the 20x20 box (2 * area / perimeter)."""

STROKE_TOLERANCE = 1.6
"""Strokes thinner or thicker than MNIST's by more than this factor are brought back toward it."""

# --- Numbers (several digits in one photo) --------------------------------------------------

MAX_DIGITS = 12
"""The longest number read at once; beyond it the picture is more likely text than a number."""

NUMBER_GAP = 3.5
"""Components this many digit heights apart or closer continue the same row: people space
digits from touching to several digit widths apart."""

NUMBER_ROW_DRIFT = 0.5
"""How far (in digit heights) a neighbour's middle may sit above or below: slant and baseline."""

ROW_SLANT = 0.15
"""The steepest a row of writing is taken to climb, in px per px across (8.5 degrees): beyond
a row's end, a line of writing whose middles sit on the row's slope, extended, continues it."""

PEN_CONTRAST = 0.6
"""A stick whose strokes are less than this share as dark as the other glyphs' (their median)
is no writing (paper grain, a shadow's fringe, a grid's remnant): one person, one pen. A real
1 is as dark as its pen, a little paler than the crossings of its neighbours' strokes."""

PEN_THICKNESS = 2.5
"""A stick this many times as thick as the other glyphs' strokes (their median) is no writing
(a shadow's wedge): a real 1 is as thick as its pen, thinner than its neighbours' crossings."""

STICK_ASPECT = 0.5
"""A glyph at most this share as wide as tall is a stick: a 1, or a sliver that reads as one."""

MINOR_HEIGHT = 0.45
"""Components lower than this share of the tallest are pieces (caps, fragments), not digits;
lines of writing lower than this share of one at their height are not in its row (an edge)."""

TALLEST_DIGIT = 1.8
"""Components taller than this multiple of the typical digit are printed lines fused with ink."""

MINOR_OVERLAP = 0.5
"""A small piece sharing this share of its width with a digit sits over or under it: joins it."""

MINOR_GAP = 0.15
"""A small piece closer than this many digit heights to a digit joins it; further: a speck."""

BROKEN_DIGIT_OVERLAP = 0.5
"""Tall components sharing this share of the narrower's width are one broken digit: digits in a
row stand side by side, a slanted neighbour overlaps it a little at most."""

SPLIT_MIN_ASPECT = 0.95
"""Narrower pieces (width / height) are one digit; wider ones may be touching digits..."""

NO_DIGIT_SPLIT_ASPECT = 0.5
"""...unless the model reads the piece as no digit (DIGIT_LIKENESS): then pieces down to this
width / height may be touching digits too, a slim 1 leaning on its neighbour ("17", "16"), a
slim 1 touching a slim 4 ("14", half as wide as tall)."""

SPLIT_EVEN_ASPECT = 1.4
"""At this width / height, a cut and the whole piece are judged evenly by the classifier: 1.7%
of MNIST test digits are wider than 1.3, two MNIST digits side by side are about 1.5 wide."""

SPLIT_MARGIN_SLOPE = 5.0
"""How fast the cut's handicap (narrower than SPLIT_EVEN_ASPECT) or head start (wider) grows, in
log-odds per unit of width / height. Log-odds, not probability: the model reads a touching pair
as one digit at 0.96 and its two digits at 0.997 each, a gap that vanishes in probability but is
an order of magnitude in doubt. At 5, a pair as wide as it is tall (handicap 2) is cut when its
digits' doubt is under a seventh of the whole's; a slim piece (0.95: 2.25) needs a tenth."""

SPLIT_HEAD_START = 2.0
"""The most a wide piece's cut may read less surely than the whole, in log-odds, and still win: a
broad 2 or a 5 with a long cap is as wide as a touching pair, and its halves often read as digits
too."""

SUREST_PAIR = 0.9995
"""Two cut digits together are hardly ever read more surely than this (the product of their
probabilities): where a cut would have to, the cuts are not tried, which spares the model a dozen
inputs for every sure, broad digit."""

SPLIT_DEPTH = 2
"""Cuts within cuts: a piece of up to four touching digits comes apart."""

FRAGMENT_HEIGHT = 0.75
"""A glyph lower than this share of its row's typical glyph may be a fragment of a digit..."""

MERGE_GAP = 0.2
MERGE_WIDTH = 1.1
"""...and is tried merged with a neighbour at most MERGE_GAP digit heights away when the two
together are at most MERGE_WIDTH digit heights wide; the model decides."""

CUT_SPAN = 0.3
"""Cuts are tried within this share of a piece's width either side of its middle."""

CUT_CANDIDATES = 5
"""How many of the thinnest columns are tried as cuts (each costs two model inputs)."""

CUT_APART = 0.12
"""...at least this share of the piece's width apart: the thinnest columns of a touching pair
often lie side by side in one valley (the crossbar between a 4's stems), and the gap between the
two digits is another valley."""

CUT_LEANS = (-0.5, -0.25, 0.25, 0.5)
"""Slants (columns per row down the image) a cut is also tried along, once each, where it
crosses the least ink: touching digits written slanted meet along their slant."""

PATH_CANDIDATES = 2
"""How many bent cuts (paths crossing the least ink) are tried besides the straight ones."""

PATH_STEP = 0.05
"""What a bent cut's step sideways costs, in pixels of ink crossed: where no ink is in the way
the path keeps straight down."""

MAX_ROWS = 3
"""The most rows of digits read at once; more are a page of writing, not a number."""

SAME_ROW_OVERLAP = 0.6
"""Two lines of writing sharing this share of the lower one's height are one row."""

MOSTLY_INK = 0.6
"""A picture more than this share of which reads as ink holds no writing on paper: noise, a
texture or a dark object. Writing covers far less of any picture, even a marker digit
filling the frame (real-digits' thickest drawings: 0.31); uniform noise reads as 0.66-0.85,
and its one web of ink was read as a sure 0."""

MAX_PIECES = 4 * MAX_ROWS * MAX_DIGITS
"""More pieces of ink than the most rows of the longest numbers, each digit broken into four,
are a page of writing (and would only cost time to sort into lines)."""

PAGE_ROWS = 6
"""More lines of writing than this (digits or not) are a page of writing."""

DIGIT_LIKENESS = 0.3
"""A glyph the model reads less surely than this as a digit (its most likely digit's
probability, times the probability that it is a digit at all) is no digit: a stray mark, a
letter, a crossed-out scribble."""

LEAST_LIKENESS = 1e-6
"""The likeness a glyph counts for at least when layouts are compared by the product of their
glyphs' likeness: one glyph the model rules out entirely must not outweigh every other."""

SURE_LAYOUT = 0.99
"""A layout whose glyphs' likeness multiplies to this or more is read surely: the likeliest
paper's layout then stands without reading the ink under the other estimates of the paper (a
blurred stroke's fragment, read as a 1 even more surely, must not win over a whole digit)."""

SETTLED_SURE_LAYOUT = 0.9
"""...and a layout under a paper the ink settled under is read surely from this joint likeness,
and stands even after other papers' (the other polarity's settled paper, after a wrong
light-on-dark verdict, follows the first polarity's guesses): such a paper is no guess, and an
8-digit number's joint likeness is often under 0.99 (read under four papers, its reading took
twice as long)."""

SURER_LAYOUT = 1.05
"""An unsure layout under the likeliest paper gives way to another paper's only when that one's
joint likeness is this many times as high: readings of the same clean digit under two papers
differ by a few percent by chance, and a thick stroke's fragment is read as a 1 a few percent
more surely than the whole digit."""

STICK_DOUBT = 0.5
"""Between the readings under several papers, one that is mostly sticks read as 1 (more than
MOSTLY_STICKS of its glyphs, ``is_stick``), has a row of nothing else, or reads as 1s only
(two or more: a hand's fingers are broader than sticks, and read as 1s) counts this many times
as likely, and the likeliest paper's such reading is not taken as sure: a sliver of a paper's
or a shadow's edge, or a fragment of a stroke a wrong paper broke, reads as a 1 as surely as a
written 1, so that sureness says little; a lone sliver reads more surely than the digit beside
it. Counted once per reading, not per stick: a paper under which a number vanished, leaving a
row of 1s, must not win by having fewer sticks. A number with a 1 among its digits ("17") is
not doubted: a paper that lost the 1 would win."""

ADDED_ROW_LEAST = 2
"""Between the readings under several papers, one that reads every row of the best so far and
rows more, each of at least this many glyphs read surely (none a stick read as 1), takes its
place: a row of two or more sure digits is a number another paper lost, where one glyph may be
a finger's or an edge's sliver. So does one that reads a row of at least this many digits with
sure digits more at its ends (a shadow took the number's start): a lone 1 may be a sliver that
any number with a 1 holds."""

MOSTLY_STICKS = 0.5
"""...the share of a reading's glyphs above which it is mostly sticks."""

WHOLE_DIGIT_STROKE = 0.2
"""Between the readings under several papers, one whose every glyph lies inside a glyph the
likeliest paper read surely (UNSURE_BELOW or more) reads fragments of that digit, and is passed
over (a paper that breaks a clean 1 or 0 leaves a flag or arcs read as sure 4s), when that
glyph's strokes are thinner than this share of its height: a pen's are about a tenth, while a
shadow's wedge read as a 1 is a third as thick as tall and may hold the digit."""

MERGED_DIGITS = 2
"""Between the readings under several papers, one with a glyph that holds this many or more of
the best reading so far's whole digits (``WHOLE_DIGIT_STROKE``), each MERGE_HEIGHTS times
shorter than it or more, merged the writing with shade (a hard shadow's wedge, a hand's
fingers, taken for ink): it is passed over, or (the best so far) gives way to that reading,
whatever their joint likeness. A big
digit a wrong paper broke leaves fragments about as tall as half the digit, and one of them
seldom reads as a sure whole digit, two hardly ever."""

MERGE_HEIGHTS = 3
"""...how many times shorter than the merged glyph those digits are at least; and how many
times taller than another reading's digits a row of sticks read as 1 is at least for that
reading to leave it out and still read every row (``recognizer._towering_sticks``): a frame's
or a shadow's edge beside a number a twentieth of the frame tall."""

LEFT_OUT_DOUBT = 0.5
"""Between the readings under several papers, one that left ink out as other writing (words,
letters, what the model says is no digit) counts as this many times as likely: leaving out
what looks like writing is a sign the paper was estimated wrong."""

MAX_DIGIT_ASPECT = 1.6
"""A glyph still wider than this many of its row's digit heights after segmentation is no
digit: joined-up handwriting, a dash, a printed box..."""

BROAD_DIGIT_ASPECT = 2.5
BROAD_DIGIT_SURENESS = 0.95
"""...unless it is at most BROAD_DIGIT_ASPECT digit heights wide and the model reads it as a
digit at least this surely: some people write a 2, a 5 or a 7 twice as wide as tall or more,
and a word that wide has been offered its cuts by then and read as no digit."""

TALLEST_GLYPH = 1.4
"""A glyph taller than this multiple of its row's typical glyph is no digit (a scribble, a
letter with an ascender): handwritten digits share one height, give or take a quarter."""

ROW_HEIGHT_SPREAD = 1.3
ROW_HEIGHT_AGREEMENT = 0.75
"""A line of writing is digits only if this share of its glyphs are within ROW_HEIGHT_SPREAD
times (or that fraction) of its typical height: words and formulas mix short letters with
ascenders, descenders and brackets."""

ROW_SIZE_SHARE = 0.8
"""A row of glyphs this much smaller than the picture's tallest row (their median heights) is
other writing, left out: a printed label or a note beside the number, whose letters the model
reads as digits ("Date" as 0210, "Page" as 886, "Tel:" as a row of 61). The rows of one number are
written alike in size: on the independent generator's development seeds they differ by less
than a fifth (at 0.85 some were left out), while the letters of words beside a number run 0.7
to 0.8 of its height."""

RUN_GAP = 1.0
"""Glyphs in a row more than this many of its digit heights apart are in separate runs, each
judged by its size as a row is (ROW_SIZE_SHARE): a printed "Total:" set beside a number stands
one to two digit heights away from it, a number's digits closer, and a run of one glyph (a
widely spaced digit) always stays."""

WORD_GAP = 2.5
WORD_GAP_LEAST = 0.5
"""A row's glyphs part into words at gaps wider than WORD_GAP times its narrow gaps between
neighbours (their lower quartile) and WORD_GAP_LEAST of its digit height: a word written beside
a number is set apart from it by more than its digits are from each other. Where half a word's
glyphs or more read as no digit, the rest are its letters too ("Date" leaving an "e" read as
8)."""

ROW_DIGIT_SHARE = 0.6
"""A line of writing is read as digits when at least this share of its glyphs are digit-like;
otherwise it is other writing (words, formulas) and is left out."""
