"""Shopper sessions: landing, browsing funnel, search, content engagement, ads and affiliate clicks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopstream.generator.model import DAY_MS
from shopstream.generator.orders import place_order
from shopstream.generator.population import DEVICES, User, active_span, session_start
from shopstream.generator.reference import ADJECTIVES, NOUNS, Product
from shopstream.generator.world import CLICKSTREAM, World

CTR_BY_PLACEMENT = {"feed": 0.012, "search": 0.025, "sidebar": 0.004}
PLACEMENT_WEIGHTS = (("feed", 0.5), ("search", 0.2), ("sidebar", 0.3))
# next action in a session and its relative weight
ACTIONS = (("product_view", 30), ("search", 8), ("page_view", 10), ("content_view", 14),
           ("ad_impression", 20), ("add_to_cart", 10), ("checkout", 6))
AFFILIATE_LANDING = 0.05
AFFILIATE_LATER_ORDER = 0.25
END_OF_SESSION_CHECKOUT = 0.2


@dataclass
class Session:
    """One visit: who, on which device, the clock, and what was viewed and carted."""

    user: User
    device: str
    session_id: str
    t: int
    viewed: list[Product] = field(default_factory=list)
    cart: list[Product] = field(default_factory=list)


def click(world: World, s: Session, event_type: str, **fields: Any) -> dict[str, Any]:
    """Emit a clickstream event at the session clock."""
    doc = {"event_id": world.event_id(), "event_type": event_type, "user_id": s.user.user_id,
           "session_id": s.session_id, "ts": s.t, "device": s.device, "country": s.user.country, **fields}
    world.emit(CLICKSTREAM, s.t, doc)
    return doc


def advance(world: World, s: Session, mean_s: float = 25.0) -> None:
    s.t += 1000 + int(world.rng.expovariate(1.0 / (mean_s * 1000)))


def new_session(world: World, user: User, t: int) -> Session:
    device = user.device
    if world.rng.random() < 0.15:
        device = world.rng.choice([d for d, _ in DEVICES])
    return Session(user, device, world.next_id("s", 8), t)


def view_product(world: World, s: Session, product: Product) -> None:
    click(world, s, "product_view", product_id=product.product_id, category=product.category,
          price_minor=world.price(product, s.user.currency), currency=s.user.currency)
    s.viewed.append(product)


def add_to_cart(world: World, s: Session, product: Product) -> None:
    click(world, s, "add_to_cart", product_id=product.product_id, category=product.category,
          price_minor=world.price(product, s.user.currency), currency=s.user.currency)
    if product not in s.cart:
        s.cart.append(product)


def checkout(world: World, s: Session) -> None:
    channel = "app" if s.device in ("ios", "android", "tablet") else "web"
    place_order(world, s.user, s.t, s.cart, channel=channel, device_fingerprint=world.device_fp(s.user, s.device),
                payment_fingerprint=world.rng.choice(s.user.cards))
    s.cart = []


def run_session(world: World) -> None:
    """A normal shopper visit at a diurnal-weighted time."""
    rng = world.rng
    user = world.user_sampler.draw(rng)
    s = new_session(world, user, session_start(rng, user, *active_span(user, world.params)))
    if rng.random() < AFFILIATE_LANDING and world.ref.affiliates:
        affiliate = rng.choice(world.ref.affiliates)
        link = rng.choice(affiliate.links)
        click(world, s, "affiliate_click", affiliate_id=affiliate.affiliate_id, link_id=link.link_id)
        advance(world, s, 3)
        product = world.product_by_id[link.product_id]
        view_product(world, s, product)
        if rng.random() < AFFILIATE_LATER_ORDER:
            later = s.t + rng.randrange(DAY_MS // 2, 4 * DAY_MS)
            buy_later(world, user, product, later)
    else:
        landing = rng.choice(["/home", "/home", "/deals", f"/c/{rng.choice(user.favourite_categories)}"])
        click(world, s, "page_view", page=landing)
    steps = 1 + int(rng.expovariate(1 / 7.0))
    weights_actions = [a for a, _ in ACTIONS]
    weights = [w for _, w in ACTIONS]
    for _ in range(steps):
        advance(world, s)
        action = rng.choices(weights_actions, weights=weights)[0]
        if action == "product_view":
            view_product(world, s, world.pick_product(user))
        elif action == "search":
            search(world, s)
        elif action == "page_view":
            click(world, s, "page_view", page=rng.choice(["/home", "/deals", "/account", "/cart",
                                                           f"/c/{world.pick_product(user).category}"]))
        elif action == "content_view":
            engage_content(world, s)
        elif action == "ad_impression":
            show_ad(world, s)
        elif action == "add_to_cart" and s.viewed:
            add_to_cart(world, s, rng.choice(s.viewed[-3:]))
        elif action == "checkout" and s.cart:
            checkout(world, s)
    if s.cart and rng.random() < END_OF_SESSION_CHECKOUT:
        advance(world, s)
        checkout(world, s)


def search(world: World, s: Session) -> None:
    rng = world.rng
    product = world.pick_product(s.user)
    query = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[product.category])}" if rng.random() < 0.5 \
        else rng.choice(NOUNS[product.category])
    click(world, s, "search", query=query)
    if rng.random() < 0.7:
        advance(world, s, 8)
        show_ad(world, s, placement="search") if rng.random() < 0.3 else view_product(world, s, product)


def engage_content(world: World, s: Session) -> None:
    rng = world.rng
    item = world.pick_content(s.t)
    if item is None:
        return
    click(world, s, "content_view", content_id=item.content_id)
    for event_type, p in (("like", 0.08), ("comment", 0.03), ("share", 0.02)):
        if rng.random() < p:
            advance(world, s, 6)
            click(world, s, event_type, content_id=item.content_id)
    if item.product_ids and rng.random() < 0.2:
        advance(world, s, 5)
        view_product(world, s, world.product_by_id[rng.choice(item.product_ids)])


def show_ad(world: World, s: Session, placement: str | None = None) -> None:
    """An impression of an ad of a campaign that buys ``placement``; a click (CTR by placement) repeats
    its impression_id and lands on the product. The impression of a small share of clicks is lost
    (tracking blocked): those clicks arrive as orphans."""
    rng = world.rng
    if placement is None:
        placement = rng.choices([p for p, _ in PLACEMENT_WEIGHTS], weights=[w for _, w in PLACEMENT_WEIGHTS])[0]
    ad = world.ads_by_placement[placement].draw(rng)
    impression_id = world.next_id("imp", 9)
    fields = {"ad_id": ad.ad_id, "campaign_id": ad.campaign_id, "placement": placement,
              "impression_id": impression_id}
    clicked = rng.random() < CTR_BY_PLACEMENT[placement]
    if not (clicked and rng.random() < world.params.orphan_click_share):
        click(world, s, "ad_impression", **fields)
    if clicked:
        advance(world, s, 4)
        click(world, s, "ad_click", **fields)
        advance(world, s, 2)
        view_product(world, s, world.product_by_id[ad.product_id])


def buy_later(world: World, user: User, product: Product, t: int) -> None:
    """A later visit that buys ``product`` (e.g. days after an affiliate click)."""
    s = new_session(world, user, t)
    click(world, s, "page_view", page="/home")
    advance(world, s)
    view_product(world, s, product)
    advance(world, s)
    add_to_cart(world, s, product)
    advance(world, s)
    checkout(world, s)


def compressed_funnel(world: World, user: User, t: int, products: list[Product], *, payment_fingerprint: str,
                      gap_s: float = 4.0) -> int:
    """Bot-like visit: view, cart and order within seconds; returns the clock after the order."""
    s = new_session(world, user, t)
    for product in products:
        view_product(world, s, product)
        advance(world, s, gap_s)
        add_to_cart(world, s, product)
        advance(world, s, gap_s)
    channel = "app" if s.device in ("ios", "android", "tablet") else "web"
    place_order(world, user, s.t, s.cart, channel=channel, device_fingerprint=world.device_fp(user, s.device),
                payment_fingerprint=payment_fingerprint)
    return s.t
