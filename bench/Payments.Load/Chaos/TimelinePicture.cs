using ScottPlot;

namespace Payments.Load.Chaos;

/// <summary>
/// Draws a run's timeline as a PNG of three rows sharing the time axis: payments confirmed per second, portal requests per
/// second, and the portal breaker's state per consumer instance; the fault window is shaded in each row and every fault
/// step marked with a line.
/// </summary>
public static class TimelinePicture
{
    private const int Width = 1200;
    private const int Height = 900;

    private static readonly string[] _states = ["CLOSED", "HALF_OPEN", "OPEN"];

    /// <summary>Writes the picture to <paramref name="path"/> (its folder made when missing).</summary>
    public static void Save(string title, IReadOnlyList<TimelineSample> samples, IReadOnlyList<TimelineMark> marks, (double From, double To)? faultWindow, string path)
    {
        var confirmed = new Plot();
        var requests = new Plot();
        var breakers = new Plot();
        Plot[] rows = [confirmed, requests, breakers];

        var seconds = samples.Select(s => s.Seconds).ToArray();
        var confirmedPeak = AddRate(confirmed, seconds, samples.Select(s => (double)s.Confirmed).ToArray(), Colors.SeaGreen);
        confirmed.Title(title, size: 13);
        confirmed.YLabel("confirmed / s");
        AddRate(requests, seconds, samples.Select(s => (double)s.PortalRequests).ToArray(), Colors.SteelBlue);
        requests.YLabel("portal requests / s");
        AddBreakers(breakers, samples);
        breakers.YLabel("portal breaker");
        breakers.XLabel("seconds since the scenario's load started");

        foreach (var row in rows)
        {
            if (faultWindow is { } window && window.To > window.From)
            {
                var span = row.Add.HorizontalSpan(window.From, window.To);
                span.FillStyle.Color = Colors.OrangeRed.WithAlpha(0.15);
                span.LineStyle.Width = 0;
            }

            foreach (var mark in marks)
            {
                var line = row.Add.VerticalLine(mark.Seconds);
                line.LineStyle.Color = Colors.OrangeRed.WithAlpha(0.6);
                line.LineStyle.Pattern = LinePattern.Dashed;
                line.LineStyle.Width = 1;
            }
        }

        // The steps' labels once, in the top row, where they do not hide the breaker lines.
        var top = Math.Max(1, confirmedPeak);
        for (var i = 0; i < marks.Count; i++)
        {
            var label = confirmed.Add.Text(marks[i].Label, marks[i].Seconds, top * (1.0 - (0.12 * (i % 4))));
            label.LabelFontSize = 11;
            label.LabelFontColor = Colors.OrangeRed.Darken(0.3);
        }

        // The same margins in every row, so that their time axes line up.
        var end = Math.Max(1, seconds.Length == 0 ? 1 : seconds[^1]);
        foreach (var row in rows)
        {
            row.Axes.SetLimitsX(0, end);
            row.Layout.Fixed(new PixelPadding(left: 120, right: 20, bottom: row == breakers ? 50 : 30, top: row == confirmed ? 35 : 10));
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // A multiplot starts with a plot of its own: the first row takes its place.
        var picture = new Multiplot();
        picture.Reset(rows[0]);
        foreach (var row in rows.Skip(1))
        {
            picture.AddPlot(row);
        }

        picture.SharedAxes.ShareX(rows);
        picture.SavePng(path, Width, Height);
    }

    /// <summary>Per-second rates of a running total: the difference to the sample before over the time between them.</summary>
    public static double[] Rates(double[] totals, double[]? seconds = null)
    {
        var rates = new double[totals.Length];
        for (var i = 1; i < totals.Length; i++)
        {
            var elapsed = seconds is null ? 1 : seconds[i] - seconds[i - 1];
            rates[i] = elapsed <= 0 ? 0 : Math.Max(0, totals[i] - totals[i - 1]) / elapsed;
        }

        return rates;
    }

    /// <summary>Draws the per-second rate of <paramref name="totals"/>; returns its peak.</summary>
    private static double AddRate(Plot plot, double[] seconds, double[] totals, Color color)
    {
        var rates = Rates(totals, seconds);
        var line = plot.Add.Scatter(seconds, rates);
        line.Color = color;
        line.MarkerSize = 0;
        line.LineWidth = 2;
        var peak = rates.DefaultIfEmpty(0).Max();
        plot.Axes.SetLimitsY(0, Math.Max(1, peak * 1.15));
        return peak;
    }

    private static void AddBreakers(Plot plot, IReadOnlyList<TimelineSample> samples)
    {
        var instances = samples.SelectMany(s => s.Breakers.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            var known = samples.Where(s => s.Breakers.ContainsKey(instance)).ToList();
            // Instances are drawn a little apart, so that lines in the same state stay visible side by side.
            var offset = (i - ((instances.Count - 1) / 2.0)) * 0.06;
            var line = plot.Add.Scatter(
                known.Select(s => s.Seconds).ToArray(),
                known.Select(s => Array.IndexOf(_states, s.Breakers[instance]) + offset).ToArray());
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.Color = palette.GetColor(i);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = instance;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 1, 2], _states);
        plot.Axes.SetLimitsY(-0.4, 2.4);
        if (instances.Count > 0)
        {
            plot.ShowLegend(Alignment.UpperRight);
        }
    }
}
