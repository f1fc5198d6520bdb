// KMIP enumeration values, 1.0 through 2.0 (OASIS KMIP specifications, section 9.1.3.2).
// Generated once from the spec's enumeration tables.

export const ObjectType = {
  Certificate: 0x00000001,
  SymmetricKey: 0x00000002,
  PublicKey: 0x00000003,
  PrivateKey: 0x00000004,
  SplitKey: 0x00000005,
  Template: 0x00000006,
  SecretData: 0x00000007,
  OpaqueData: 0x00000008,
  PgpKey: 0x00000009,
  CertificateRequest: 0x0000000A,
} as const;

export const Operation = {
  Create: 0x00000001,
  CreateKeyPair: 0x00000002,
  Register: 0x00000003,
  Rekey: 0x00000004,
  DeriveKey: 0x00000005,
  Certify: 0x00000006,
  Recertify: 0x00000007,
  Locate: 0x00000008,
  Check: 0x00000009,
  Get: 0x0000000A,
  GetAttributes: 0x0000000B,
  GetAttributeList: 0x0000000C,
  AddAttribute: 0x0000000D,
  ModifyAttribute: 0x0000000E,
  DeleteAttribute: 0x0000000F,
  ObtainLease: 0x00000010,
  GetUsageAllocation: 0x00000011,
  Activate: 0x00000012,
  Revoke: 0x00000013,
  Destroy: 0x00000014,
  Archive: 0x00000015,
  Recover: 0x00000016,
  Validate: 0x00000017,
  Query: 0x00000018,
  Cancel: 0x00000019,
  Poll: 0x0000001A,
  Notify: 0x0000001B,
  Put: 0x0000001C,
  RekeyKeyPair: 0x0000001D,
  DiscoverVersions: 0x0000001E,
  Encrypt: 0x0000001F,
  Decrypt: 0x00000020,
  Sign: 0x00000021,
  SignatureVerify: 0x00000022,
  Mac: 0x00000023,
  MacVerify: 0x00000024,
  RngRetrieve: 0x00000025,
  RngSeed: 0x00000026,
  Hash: 0x00000027,
  CreateSplitKey: 0x00000028,
  JoinSplitKey: 0x00000029,
  Import: 0x0000002A,
  Export: 0x0000002B,
  Log: 0x0000002C,
  Login: 0x0000002D,
  Logout: 0x0000002E,
  DelegatedLogin: 0x0000002F,
  AdjustAttribute: 0x00000030,
  SetAttribute: 0x00000031,
  SetEndpointRole: 0x00000032,
  Pkcs11: 0x00000033,
  Interop: 0x00000034,
  Reprovision: 0x00000035,
} as const;

export const ResultStatus = {
  Success: 0x00000000,
  OperationFailed: 0x00000001,
  OperationPending: 0x00000002,
  OperationUndone: 0x00000003,
} as const;

export const ResultReason = {
  ItemNotFound: 0x00000001,
  ResponseTooLarge: 0x00000002,
  AuthenticationNotSuccessful: 0x00000003,
  InvalidMessage: 0x00000004,
  OperationNotSupported: 0x00000005,
  MissingData: 0x00000006,
  InvalidField: 0x00000007,
  FeatureNotSupported: 0x00000008,
  OperationCanceledByRequester: 0x00000009,
  CryptographicFailure: 0x0000000A,
  IllegalOperation: 0x0000000B,
  PermissionDenied: 0x0000000C,
  ObjectArchived: 0x0000000D,
  IndexOutOfBounds: 0x0000000E,
  ApplicationNamespaceNotSupported: 0x0000000F,
  KeyFormatTypeNotSupported: 0x00000010,
  KeyCompressionTypeNotSupported: 0x00000011,
  EncodingOptionError: 0x00000012,
  KeyValueNotPresent: 0x00000013,
  AttestationRequired: 0x00000014,
  AttestationFailed: 0x00000015,
  Sensitive: 0x00000016,
  NotExtractable: 0x00000017,
  ObjectAlreadyExists: 0x00000018,
  GeneralFailure: 0x00000100,
  InvalidTicket: 0x00000019,
  UsageLimitExceeded: 0x0000001A,
  NumericRange: 0x0000001B,
  InvalidDataType: 0x0000001C,
  ReadOnlyAttribute: 0x0000001D,
  MultiValuedAttribute: 0x0000001E,
  UnsupportedAttribute: 0x0000001F,
  AttributeInstanceNotFound: 0x00000020,
  AttributeNotFound: 0x00000021,
  AttributeReadOnly: 0x00000022,
  AttributeSingleValued: 0x00000023,
  BadCryptographicParameters: 0x00000024,
  BadPassword: 0x00000025,
  CodecError: 0x00000026,
  IllegalObjectType: 0x00000028,
  IncompatibleCryptographicUsageMask: 0x00000029,
  InternalServerError: 0x0000002A,
  InvalidAsynchronousCorrelationValue: 0x0000002B,
  InvalidAttribute: 0x0000002C,
  InvalidAttributeValue: 0x0000002D,
  InvalidCorrelationValue: 0x0000002E,
  InvalidCsr: 0x0000002F,
  InvalidObjectType: 0x00000030,
  KeyWrapTypeNotSupported: 0x00000032,
  MissingInitializationVector: 0x00000034,
  NonUniqueNameAttribute: 0x00000035,
  ObjectDestroyed: 0x00000036,
  ObjectNotFound: 0x00000037,
  NotAuthorised: 0x00000039,
  ServerLimitExceeded: 0x0000003A,
  UnknownEnumeration: 0x0000003B,
  UnknownMessageExtension: 0x0000003C,
  UnknownTag: 0x0000003D,
  UnsupportedCryptographicParameters: 0x0000003E,
  UnsupportedProtocolVersion: 0x0000003F,
  WrappingObjectArchived: 0x00000040,
  WrappingObjectDestroyed: 0x00000041,
  WrappingObjectNotFound: 0x00000042,
  WrongKeyLifecycleState: 0x00000043,
  ProtectionStorageUnavailable: 0x00000044,
  Pkcs11CodecError: 0x00000045,
  Pkcs11InvalidFunction: 0x00000046,
  Pkcs11InvalidInterface: 0x00000047,
} as const;

export const State = {
  PreActive: 0x00000001,
  Active: 0x00000002,
  Deactivated: 0x00000003,
  Compromised: 0x00000004,
  Destroyed: 0x00000005,
  DestroyedCompromised: 0x00000006,
} as const;

export const CryptographicAlgorithm = {
  Des: 0x00000001,
  TripleDes: 0x00000002,
  Aes: 0x00000003,
  Rsa: 0x00000004,
  Dsa: 0x00000005,
  Ecdsa: 0x00000006,
  HmacSha1: 0x00000007,
  HmacSha224: 0x00000008,
  HmacSha256: 0x00000009,
  HmacSha384: 0x0000000A,
  HmacSha512: 0x0000000B,
  HmacMd5: 0x0000000C,
  Dh: 0x0000000D,
  Ecdh: 0x0000000E,
  Ecmqv: 0x0000000F,
  Blowfish: 0x00000010,
  Camellia: 0x00000011,
  Cast5: 0x00000012,
  Idea: 0x00000013,
  Mars: 0x00000014,
  Rc2: 0x00000015,
  Rc4: 0x00000016,
  Rc5: 0x00000017,
  Skipjack: 0x00000018,
  Twofish: 0x00000019,
  Ec: 0x0000001A,
  OneTimePad: 0x0000001B,
  Chacha20: 0x0000001C,
  Poly1305: 0x0000001D,
  Chacha20Poly1305: 0x0000001E,
  Sha3224: 0x0000001F,
  Sha3256: 0x00000020,
  Sha3384: 0x00000021,
  Sha3512: 0x00000022,
  HmacSha3224: 0x00000023,
  HmacSha3256: 0x00000024,
  HmacSha3384: 0x00000025,
  HmacSha3512: 0x00000026,
  Shake128: 0x00000027,
  Shake256: 0x00000028,
  Aria: 0x00000029,
  Seed: 0x0000002A,
  Sm2: 0x0000002B,
  Sm3: 0x0000002C,
  Sm4: 0x0000002D,
  GostR34102012: 0x0000002E,
  GostR34112012: 0x0000002F,
  GostR34132015: 0x00000030,
  Gost2814789: 0x00000031,
  Xmss: 0x00000032,
  Sphincs256: 0x00000033,
  Mceliece: 0x00000034,
  Mceliece6960119: 0x00000035,
  Mceliece8192128: 0x00000036,
  Ed25519: 0x00000037,
  Ed448: 0x00000038,
} as const;

export const QueryFunction = {
  QueryOperations: 0x00000001,
  QueryObjects: 0x00000002,
  QueryServerInformation: 0x00000003,
  QueryApplicationNamespaces: 0x00000004,
  QueryExtensionList: 0x00000005,
  QueryExtensionMap: 0x00000006,
  QueryAttestationTypes: 0x00000007,
  QueryRngs: 0x00000008,
  QueryValidations: 0x00000009,
  QueryProfiles: 0x0000000A,
  QueryCapabilities: 0x0000000B,
  QueryClientRegistrationMethods: 0x0000000C,
  QueryDefaultsInformation: 0x0000000D,
  QueryStorageProtectionMasks: 0x0000000E,
} as const;

export const NameType = {
  UninterpretedTextString: 0x00000001,
  Uri: 0x00000002,
} as const;

export const RevocationReasonCode = {
  Unspecified: 0x00000001,
  KeyCompromise: 0x00000002,
  CaCompromise: 0x00000003,
  AffiliationChanged: 0x00000004,
  Superseded: 0x00000005,
  CessationOfOperation: 0x00000006,
  PrivilegeWithdrawn: 0x00000007,
} as const;

export const BatchErrorContinuationOption = {
  Continue: 0x00000001,
  Stop: 0x00000002,
  Undo: 0x00000003,
} as const;

export const KeyFormatType = {
  Raw: 0x00000001,
  Opaque: 0x00000002,
  Pkcs1: 0x00000003,
  Pkcs8: 0x00000004,
  X509: 0x00000005,
  EcPrivateKey: 0x00000006,
  TransparentSymmetricKey: 0x00000007,
  TransparentDsaPrivateKey: 0x00000008,
  TransparentDsaPublicKey: 0x00000009,
  TransparentRsaPrivateKey: 0x0000000A,
  TransparentRsaPublicKey: 0x0000000B,
  TransparentDhPrivateKey: 0x0000000C,
  TransparentDhPublicKey: 0x0000000D,
  TransparentEcdsaPrivateKey: 0x0000000E,
  TransparentEcdsaPublicKey: 0x0000000F,
  TransparentEcdhPrivateKey: 0x00000010,
  TransparentEcdhPublicKey: 0x00000011,
  TransparentEcmqvPrivateKey: 0x00000012,
  TransparentEcmqvPublicKey: 0x00000013,
  TransparentEcPrivateKey: 0x00000014,
  TransparentEcPublicKey: 0x00000015,
  Pkcs12: 0x00000016,
} as const;

export const CredentialType = {
  UsernameAndPassword: 0x00000001,
  Device: 0x00000002,
  Attestation: 0x00000003,
  OneTimePassword: 0x00000004,
  HashedPassword: 0x00000005,
  Ticket: 0x00000006,
} as const;

export const LinkType = {
  CertificateLink: 0x00000101,
  PublicKeyLink: 0x00000102,
  PrivateKeyLink: 0x00000103,
  DerivationBaseObjectLink: 0x00000104,
  DerivedKeyLink: 0x00000105,
  ReplacementObjectLink: 0x00000106,
  ReplacedObjectLink: 0x00000107,
  ParentLink: 0x00000108,
  ChildLink: 0x00000109,
  PreviousLink: 0x0000010A,
  NextLink: 0x0000010B,
  Pkcs12CertificateLink: 0x0000010C,
  Pkcs12PasswordLink: 0x0000010D,
  WrappingKeyLink: 0x0000010E,
} as const;

export const CryptographicUsageMask = {
  Sign: 0x00000001,
  Verify: 0x00000002,
  Encrypt: 0x00000004,
  Decrypt: 0x00000008,
  WrapKey: 0x00000010,
  UnwrapKey: 0x00000020,
  Export: 0x00000040,
  MacGenerate: 0x00000080,
  MacVerify: 0x00000100,
  DeriveKey: 0x00000200,
  ContentCommitment: 0x00000400,
  KeyAgreement: 0x00000800,
  CertificateSign: 0x00001000,
  CrlSign: 0x00002000,
  GenerateCryptogram: 0x00004000,
  ValidateCryptogram: 0x00008000,
  TranslateEncrypt: 0x00010000,
  TranslateDecrypt: 0x00020000,
  TranslateWrap: 0x00040000,
  TranslateUnwrap: 0x00080000,
  Authenticate: 0x00100000,
  Unrestricted: 0x00200000,
  FpeEncrypt: 0x00400000,
  FpeDecrypt: 0x00800000,
} as const;

export type EnumTable = Readonly<Record<string, number>>;

const reverseCache = new Map<EnumTable, Map<number, string>>();

/** Name of a value in an enumeration table, or its hex form when the table does not know it. */
export function enumName(table: EnumTable, value: number): string {
  let reverse = reverseCache.get(table);
  if (!reverse) {
    reverse = new Map(Object.entries(table).map(([name, v]) => [v, name]));
    reverseCache.set(table, reverse);
  }
  return reverse.get(value) ?? `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Protocol versions this codebase speaks, highest first. 2.0 is left out on purpose: its
 * attribute model (Attributes structure, Attribute Reference) is not implemented. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly ProtocolVersion[] = [
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
];

/** vCenter's floor: servers that only speak 1.0 are treated as incompatible. */
export const MINIMUM_PROTOCOL_VERSION: ProtocolVersion = { major: 1, minor: 1 };

export interface ProtocolVersion {
  major: number;
  minor: number;
}

export function formatProtocolVersion(v: ProtocolVersion): string {
  return `${v.major}.${v.minor}`;
}

export function compareProtocolVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}
