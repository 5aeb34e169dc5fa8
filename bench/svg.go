package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Chart is a row of line panels sharing one x axis, written as a standalone SVG.
type Chart struct {
	Title  string
	XLabel string
	Panels []Panel
}

// Panel is one plot.
type Panel struct {
	Title  string
	YLabel string
	Series []Series
}

// Series is one line.
type Series struct {
	Name   string
	Color  string
	Points []Point
}

// Point is one measurement.
type Point struct{ X, Y float64 }

const (
	panelW, panelH = 420, 300
	padL, padR     = 64, 16
	padT, padB     = 40, 64
)

// WriteSVG draws the chart. The x values are placed at equal distances in increasing order
// (concurrency levels grow geometrically, so this reads like a log axis); each y axis starts
// at zero and ends at a round number above the largest value.
func WriteSVG(w io.Writer, c Chart) error {
	var xs []float64
	for _, p := range c.Panels {
		for _, s := range p.Series {
			for _, pt := range s.Points {
				if !slices.Contains(xs, pt.X) {
					xs = append(xs, pt.X)
				}
			}
		}
	}
	slices.Sort(xs)
	width := len(c.Panels)*panelW + 20
	height := panelH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", 10, esc(c.Title))
	for i, p := range c.Panels {
		drawPanel(&b, 10+i*panelW, 30, p, xs, c.XLabel)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func drawPanel(b *strings.Builder, ox, oy int, p Panel, xs []float64, xLabel string) {
	plotW, plotH := panelW-padL-padR, panelH-padT-padB
	x0, y0 := ox+padL, oy+padT+plotH // origin (bottom left)
	ymax := 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			ymax = math.Max(ymax, pt.Y)
		}
	}
	top := niceCeil(ymax)
	xpos := func(x float64) float64 {
		i := slices.Index(xs, x)
		if len(xs) == 1 {
			return float64(x0) + float64(plotW)/2
		}
		return float64(x0) + float64(i)*float64(plotW)/float64(len(xs)-1)
	}
	ypos := func(y float64) float64 { return float64(y0) - y/top*float64(plotH) }

	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, oy+padT-16, esc(p.Title))
	// Grid and y ticks.
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := ypos(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x0+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-6, y+4, formatTick(v))
	}
	for _, x := range xs {
		px := xpos(x)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999"/>`+"\n", px, y0, px, y0+4)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px, y0+17, formatTick(x))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", x0, y0, x0+plotW, y0)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", x0, y0, x0, y0-plotH)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x0+plotW/2, y0+34, esc(xLabel))
	fmt.Fprintf(b, `<text transform="translate(%d,%d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", ox+14, y0-plotH/2, esc(p.YLabel))
	for si, s := range p.Series {
		pts := slices.Clone(s.Points)
		slices.SortFunc(pts, func(a, b Point) int { return int(math.Copysign(1, a.X-b.X)) })
		var coords []string
		for _, pt := range pts {
			coords = append(coords, fmt.Sprintf("%.1f,%.1f", xpos(pt.X), ypos(pt.Y)))
		}
		color := s.Color
		if color == "" {
			color = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}[si%4]
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.Join(coords, " "))
		for _, c := range coords {
			xy := strings.Split(c, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", xy[0], xy[1], color)
		}
		ly := y0 + 50
		lx := x0 + si*140
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", lx, ly-4, lx+18, ly-4, color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", lx+22, ly, esc(s.Name))
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v ≤ 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func esc(s string) string { return html.EscapeString(s) }
