package disclosure

// platform is one social network. visible is how many characters of a caption the platform
// shows before truncating it behind "more": a disclosure has to start inside that prefix or
// most of the audience never sees it (FTC: "don't bury it"; ASA: "upfront").
type platform struct {
	name    string // the API value
	display string // for messages
	visible int    // visible prefix, in user-perceived characters (grapheme clusters)
}

// platformTable is the data behind below_fold, from DISCLOSURE.md. Order is the documented
// order and is what Platforms returns.
var platformTable = []platform{
	{name: "instagram", display: "Instagram", visible: 125},
	{name: "tiktok", display: "TikTok", visible: 100},
	{name: "youtube", display: "YouTube", visible: 100}, // of the description
	{name: "x", display: "X", visible: 280},
	{name: "facebook", display: "Facebook", visible: 400},
}

// format is a kind of post. video marks the formats for which an on-screen (and, in some
// jurisdictions, spoken) disclosure is required because viewers may never read the caption.
type format struct {
	name    string
	display string // for messages, with its article: "a reel"
	video   bool
}

// formatTable lists the formats in the documented order.
var formatTable = []format{
	{name: "post", display: "a post"},
	{name: "reel", display: "a reel", video: true},
	{name: "story", display: "a story", video: true},
	{name: "video", display: "a video", video: true},
	{name: "short", display: "a short", video: true},
	{name: "live", display: "a live stream", video: true},
}

var (
	platforms = indexBy(platformTable, func(p *platform) string { return p.name })
	formats   = indexBy(formatTable, func(f *format) string { return f.name })
)

func indexBy[T any](table []T, key func(*T) string) map[string]*T {
	m := make(map[string]*T, len(table))
	for i := range table {
		m[key(&table[i])] = &table[i]
	}
	return m
}

// Platforms returns the supported platform names, in the order DISCLOSURE.md lists them.
func Platforms() []string {
	out := make([]string, len(platformTable))
	for i, p := range platformTable {
		out[i] = p.name
	}
	return out
}

// Formats returns the supported format names, in the order DISCLOSURE.md lists them.
func Formats() []string {
	out := make([]string, len(formatTable))
	for i, f := range formatTable {
		out[i] = f.name
	}
	return out
}
