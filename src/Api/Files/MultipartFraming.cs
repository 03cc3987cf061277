using Microsoft.AspNetCore.WebUtilities;

namespace ClaudeBatch.Api.Files;

/// <summary>
/// A multipart body that breaks its own framing — no boundary or another one, cut short, header lines or counts over
/// the reader's limits — is the client's mistake. <see cref="MultipartReader"/> reports it as
/// <see cref="InvalidDataException"/> or a bare <see cref="IOException"/>; here it becomes a
/// <see cref="BadHttpRequestException"/>, which the exception handler answers with a 400 problem, never a 500.
/// </summary>
internal static class MultipartFraming
{
    public static async Task<MultipartSection?> ReadNextSectionOrRejectAsync(this MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception e) when (IsFraming(e))
        {
            throw Malformed(e);
        }
    }

    /// <summary>The section's content, whose reads fail with a 400 when the body breaks off or loses its boundary.</summary>
    public static Stream BodyOrReject(this MultipartSection section) => new FramedStream(section.Body);

    // Exactly IOException: its subclasses (a reset connection, Kestrel's own BadHttpRequestException) keep their meaning.
    private static bool IsFraming(Exception e) => e is InvalidDataException || e.GetType() == typeof(IOException);

    // The reader's own words for a limit; a bare IOException only ever means the body ran out.
    private static BadHttpRequestException Malformed(Exception e) =>
        new(
            "The multipart body is malformed: " + (e is InvalidDataException ? e.Message : "it ends before its closing boundary, or has none."),
            StatusCodes.Status400BadRequest,
            e);

    private sealed class FramedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (Exception e) when (IsFraming(e))
            {
                throw Malformed(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (IsFraming(e))
            {
                throw Malformed(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
