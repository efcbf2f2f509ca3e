using Payments.Load.Chaos;

namespace Payments.Load.Tests.Chaos;

public sealed class TimelinePictureTests
{
    [Fact]
    public void Rates_are_the_differences_of_a_running_total_over_the_time_between_samples()
    {
        TimelinePicture.Rates([0, 10, 30, 30, 25], [0, 1, 3, 4, 5]).ShouldBe([0, 10, 10, 0, 0]);
    }

    [Fact]
    public void Draws_a_png_of_the_samples_with_the_fault_window()
    {
        var path = Path.Combine(Path.GetTempPath(), $"timeline-{Guid.NewGuid():N}", "scenario.png");
        var samples = Enumerable.Range(0, 30).Select(i => new TimelineSample(
            i,
            new Dictionary<string, int> { ["Confirmed"] = i * 20 },
            i * 21,
            new Dictionary<string, string> { ["consumer-1"] = i is > 10 and < 20 ? "OPEN" : "CLOSED", ["consumer-2"] = "CLOSED" })).ToList();

        try
        {
            TimelinePicture.Save("scenario: a fault", samples, [new(10, "fault"), new(20, "mended")], (10, 20), path);

            var bytes = File.ReadAllBytes(path);
            bytes.Length.ShouldBeGreaterThan(10_000);
            bytes.Take(8).ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            // Width and height from the IHDR chunk, big-endian.
            (ReadInt(bytes, 16), ReadInt(bytes, 20)).ShouldBe((1200, 900));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static int ReadInt(byte[] bytes, int offset) => (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}
