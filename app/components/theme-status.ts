// Whether the storefront pieces of our theme app extension (extensions/segment-blocks) are on in
// the shop's published theme, read in the browser from App Bridge's `shopify.app.extensions()`.
// Its answer (@shopify/app-bridge-types 0.7.2, ExtensionInfo / ThemeExtensionActivation): one
// entry per extension `{ handle, type, activations }`; a theme app extension
// (`type: "theme_app_extension"`) lists each block and embed as `{ handle, name, target, status,
// activations }`, with `status` "active" | "available" | "unavailable" and `activations` the
// placements `{ target, themeId }` in the published theme. The answer comes from outside the app,
// so it is read defensively: anything unexpected counts as "not known".

const THEME_EXTENSION_HANDLE = "segment-blocks";

export interface StorefrontPiece {
  handle: string;
  /** The name merchants see in the theme editor (the block schema's English name). */
  name: string;
}

export const BANNER_EMBED: StorefrontPiece = { handle: "segment-banner", name: "Segment banner" };
export const STOREFRONT_BLOCKS: StorefrontPiece[] = [
  { handle: "segment-content", name: "Segment content" },
  { handle: "segment-recommendations", name: "Recommended for you" },
];

export type ActivationStatus = "active" | "available" | "unavailable";

export interface PieceStatus extends StorefrontPiece {
  status: ActivationStatus;
  /** Places in the published theme (an embed that is on has one). */
  placements: number;
}

export type ThemeStatus =
  /** App Bridge has no App API here, or it failed: the card says so and still links to the editor. */
  { known: false } | { known: true; embed: PieceStatus; blocks: PieceStatus[] };

interface RawActivation {
  handle?: unknown;
  status?: unknown;
  activations?: unknown;
}

const STATUSES: readonly unknown[] = ["active", "available", "unavailable"] satisfies ActivationStatus[];
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function pieceStatus(piece: StorefrontPiece, raw: RawActivation | undefined): PieceStatus {
  const placements = Array.isArray(raw?.activations) ? raw.activations.length : 0;
  // Shopify's status when it gives one; otherwise what the placements say.
  const status = STATUSES.includes(raw?.status)
    ? (raw!.status as ActivationStatus)
    : placements > 0
      ? "active"
      : "available";
  return { ...piece, status, placements };
}

/** The status of our embed and blocks in an `app.extensions()` answer. */
export function themeStatusFrom(extensions: unknown): ThemeStatus {
  if (!Array.isArray(extensions)) return { known: false };
  const ours = extensions
    .filter(isRecord)
    .find((e) => e.type === "theme_app_extension" && e.handle === THEME_EXTENSION_HANDLE);
  // Not listed at all: the extension is not deployed (or not yet known to this shop), so nothing is on.
  const pieces: RawActivation[] = Array.isArray(ours?.activations) ? ours.activations.filter(isRecord) : [];
  const find = (piece: StorefrontPiece) => pieces.find((p) => p.handle === piece.handle);
  return {
    known: true,
    embed: pieceStatus(BANNER_EMBED, find(BANNER_EMBED)),
    blocks: STOREFRONT_BLOCKS.map((block) => pieceStatus(block, find(block))),
  };
}

/** Asks App Bridge (the `shopify` global, if any); never throws. */
export async function readThemeStatus(shopify: unknown): Promise<ThemeStatus> {
  const app = isRecord(shopify) && isRecord(shopify.app) ? shopify.app : undefined;
  if (typeof app?.extensions !== "function") return { known: false };
  try {
    return themeStatusFrom(await (app.extensions as () => Promise<unknown>).call(app));
  } catch {
    return { known: false };
  }
}
