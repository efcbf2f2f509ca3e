using System.Security.Cryptography;

namespace Payments.Load.Clients;

/// <summary>Fresh values of the shapes the API and the portal accept.</summary>
public static class OnChain
{
    /// <summary><c>0x</c> and 40 lower-case hex digits.</summary>
    public static string NewAddress() => "0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary><c>0x</c> and 64 lower-case hex digits.</summary>
    public static string NewTransactionId() => "0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
