using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
namespace Payments.Api.Validation;

/// <summary>
/// The <c>after</c> cursor of a listing: the position of the last item of a page (its creation time to the tick and its
/// id), base64url without padding. Opaque to clients; a leading version byte lets the layout change without a cursor of
/// the old layout being read as a position.
/// </summary>
internal static class PageCursor
{
    private const byte Version = 1;
    private const int ByteLength = 1 + sizeof(long) + 16;

    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>34 characters.</summary>
    public static int Length { get; } = Base64Url.GetEncodedLength(ByteLength);

    public static string Encode(ListPosition position)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], position.CreatedAt.UtcTicks);
        position.Id.TryWriteBytes(bytes[(1 + sizeof(long))..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor that <see cref="Encode"/> wrote, character for character; anything else is refused.</summary>
    public static bool TryDecode(string cursor, out ListPosition position)
    {
        position = default;
        // The decoder skips white space, and throws rather than answers false for input it cannot decode.
        if (cursor.Length != Length || cursor.AsSpan().ContainsAnyExcept(Alphabet))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        try
        {
            if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written != ByteLength || bytes[0] != Version)
            {
                return false;
            }
        }
        catch (FormatException)
        {
            // Spare bits set in the last character.
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        var decoded = new ListPosition(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[(1 + sizeof(long))..], bigEndian: true));

        // Base64url leaves spare bits in the last character: one position, one cursor.
        if (!string.Equals(Encode(decoded), cursor, StringComparison.Ordinal))
        {
            return false;
        }

        position = decoded;
        return true;
    }
}
