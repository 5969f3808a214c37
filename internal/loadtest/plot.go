package loadtest

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WriteCurvePNG draws open-loop reports as latency (log scale) against the
// offered rate: p50 and p99 of commands and of queries, and the p99 of
// the forecast projection lag; a saturated step is ringed.
func WriteCurvePNG(w io.Writer, reps []Report) error {
	p := plot.New()
	p.Title.Text = "econf-load, open loop: latency from the intended send time"
	p.X.Label.Text = "offered rate (requests/s)"
	p.Y.Label.Text = "latency (ms, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())

	series := []struct {
		name  string
		value func(Report) float64
		color color.RGBA
		dash  bool
	}{
		{"command p99", func(r Report) float64 { return r.CommandLatency.P99 }, color.RGBA{R: 200, A: 255}, false},
		{"command p50", func(r Report) float64 { return r.CommandLatency.P50 }, color.RGBA{R: 200, A: 255}, true},
		{"query p99", func(r Report) float64 { return r.QueryLatency.P99 }, color.RGBA{B: 200, A: 255}, false},
		{"query p50", func(r Report) float64 { return r.QueryLatency.P50 }, color.RGBA{B: 200, A: 255}, true},
		{"projection lag p99", func(r Report) float64 { return r.Lag.P99 }, color.RGBA{G: 140, A: 255}, false},
		{"server lag p99", func(r Report) float64 { return r.ServerLag.P99 }, color.RGBA{R: 200, G: 120, A: 255}, false},
	}
	for i, s := range series {
		var pts, sat plotter.XYs
		for _, r := range reps {
			if r.Open == nil {
				continue
			}
			// The log scale needs values above zero; 0.01 ms is below any
			// request measured here.
			pts = append(pts, plotter.XY{X: r.Open.OfferedRate, Y: math.Max(s.value(r), 0.01)})
			if r.Open.Saturated {
				sat = append(sat, pts[len(pts)-1])
			}
		}
		if len(pts) == 0 {
			return fmt.Errorf("loadtest: no open-loop report to plot")
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("loadtest: plot %s: %w", s.name, err)
		}
		line.Color, points.Color = s.color, s.color
		points.Shape = draw.CircleGlyph{}
		if s.dash {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			points.Shape = draw.PyramidGlyph{}
		}
		line.Width = vg.Points(1.5)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
		if i == 0 && len(sat) > 0 {
			{
				ring, err := plotter.NewScatter(sat)
				if err != nil {
					return err
				}
				ring.Shape, ring.Radius, ring.Color = draw.RingGlyph{}, vg.Points(7), color.Black
				p.Add(ring)
				p.Legend.Add("saturated", ring)
			}
		}
	}
	p.Y.Max *= 8 // room above the curves for the legend (log scale)
	c := vgimg.New(8*vg.Inch, 5*vg.Inch)
	p.Draw(draw.New(c))
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("loadtest: write PNG: %w", err)
	}
	return nil
}
