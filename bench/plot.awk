# cost.svg from bench/report.sh's results (tab-separated, awk -F '\t'):
# ping-pong's cost per hop against idle descriptors, and churn's cost per
# operation against N, each of the three ways.  Plain SVG written by hand,
# so that no plotting program is needed where the report is made.
#
# The x positions are the configurations in order, evenly spaced and
# labelled with their real counts: 0, 1,000 and ~20,000 do not share a
# linear axis, and 0 has no place on a logarithmic one.

function fmt(v) {
	v = sprintf("%d", v)
	if (length(v) > 3)
		v = substr(v, 1, length(v) - 3) "," substr(v, length(v) - 2)
	return v
}

$1 == "result" && (($2 == "ping-pong" && $6 == "ns/hop") ||
    ($2 == "churn" && $6 == "ns/op")) {
	p = $2 == "ping-pong" ? 1 : 2
	if (!((p, $3) in ci)) {
		ci[p, $3] = ++nc[p]
		xl[p, nc[p]] = fmt($4)
	}
	y[p, ci[p, $3], $5] = $7
	if ($7 > ymax[p])
		ymax[p] = $7
}

# A "nice" top for an axis: 1, 2 or 5 times a power of ten, above v.
function nice(v,    m) {
	m = 1
	while (m * 10 <= v)
		m *= 10
	if (v <= m) return m
	if (v <= 2 * m) return 2 * m
	if (v <= 5 * m) return 5 * m
	return 10 * m
}

function panel(p, x0, title, xname,    W, H, top, i, k, w, px, py, pts, t) {
	W = 380
	H = 240
	top = nice(ymax[p] * 1.05)
	printf "<g transform=\"translate(%d,40)\">\n", x0
	printf "<text x=\"%d\" y=\"-14\" text-anchor=\"middle\" " \
	    "font-weight=\"bold\">%s</text>\n", W / 2, title
	for (k = 0; k <= 4; k++) {
		py = H - H * k / 4
		printf "<line x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" " \
		    "stroke=\"#ddd\"/>\n", py, W, py
		printf "<text x=\"-6\" y=\"%.1f\" text-anchor=\"end\" " \
		    "dy=\"4\">%g</text>\n", py, top * k / 4
	}
	printf "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
	    H, W, H
	printf "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"%d\" stroke=\"#000\"/>\n", H
	for (i = 1; i <= nc[p]; i++) {
		px = W * (i - 0.5) / nc[p]
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		    px, H + 18, xl[p, i]
	}
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	    W / 2, H + 38, xname
	for (w = 1; w <= 3; w++) {
		pts = ""
		for (i = 1; i <= nc[p]; i++) {
			if (!((p, i, way[w]) in y) || y[p, i, way[w]] <= 0)
				continue
			px = W * (i - 0.5) / nc[p]
			py = H - H * y[p, i, way[w]] / top
			pts = pts sprintf("%.1f,%.1f ", px, py)
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" " \
			    "fill=\"%s\"><title>%s: %.1f</title></circle>\n", px, py,
			    color[w], way[w], y[p, i, way[w]]
		}
		if (pts != "")
			printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" " \
			    "stroke-width=\"2\"/>\n", pts, color[w]
	}
	print "</g>"
}

END {
	split("linux epollkq kevent", way, " ")
	split("#1f77b4 #d62728 #2ca02c", color, " ")
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" " \
	    "height=\"360\" viewBox=\"0 0 900 360\" font-family=\"sans-serif\" " \
	    "font-size=\"12\">"
	print "<rect width=\"900\" height=\"360\" fill=\"#fff\"/>"
	panel(1, 60, "ping-pong: ns per hop", "idle registered fds")
	panel(2, 500, "churn: ns per ADD/MOD/DEL", "registered fds (N)")
	for (w = 1; w <= 3; w++) {
		printf "<rect x=\"%d\" y=\"336\" width=\"14\" height=\"4\" " \
		    "fill=\"%s\"/>\n", 260 + (w - 1) * 130, color[w]
		printf "<text x=\"%d\" y=\"342\">%s</text>\n",
		    260 + (w - 1) * 130 + 20, way[w]
	}
	print "</svg>"
}
