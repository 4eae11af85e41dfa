// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The part of ERC-20 the market calls.
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title Market: Weft's compute marketplace
/// @notice Providers stake collateral and publish offers of compute units (CUs); developers
///         create deals for a component (its content hash), paid from an escrow in an ERC-20.
///
/// Economics, in one place:
/// - Time is cut into epochs of `epochSeconds`, counted from the deployment (`genesis`).
/// - A replica costs `pricePerCU * computeUnits` of the deal's token per epoch, the price of the
///   offer it was matched to (never more than the deal's `maxPricePerCU`).
/// - Payment is settled lazily (`settle`, and every call that touches a deal): for each epoch
///   that ended since the last settlement, the provider holding a replica is credited its price
///   from the escrow. Whoever holds the replica at the end of an epoch is paid the whole epoch,
///   so a replica matched mid-epoch is paid for that epoch and one taken away mid-epoch is not.
/// - When the escrow cannot pay every ended epoch, the affordable ones are paid and the deal
///   stops (`EscrowExhausted`); it also stops when the escrow left cannot pay the running epoch.
///   A stopped deal's escrow belongs to the developer (`withdrawUnused`).
/// - While a deal runs, the developer can withdraw escrow only down to the reserve:
///   `reserveEpochs` epochs of every replica at the deal's maximum price. A deal must be created
///   with at least that much.
/// - Providers heartbeat each deal they serve. A replica whose last heartbeat (or match, or
///   worker registration) is more than `heartbeatEpochs` epochs old may be reported by anyone;
///   the developer may report a failure at any time. Either way the provider loses the replica,
///   is excluded from the deal, its offer's capacity for the replica is not returned, and
///   `slashBps` / 10000 of its collateral goes to the `treasury` (not to the reporter, so that
///   reporting never pays). The replica is matched again at once if an offer fits; the unpaid
///   escrow stays with the deal, so it follows the replica to its new provider.
/// - Collateral is in `collateralToken`; a provider below `minCollateral` is not matched.
///
/// Every function that moves tokens does all its state changes first and is guarded against
/// re-entry, since a deal's token is chosen by the developer and may be hostile.
contract Market {
    /// Deployment parameters.
    struct Params {
        address collateralToken;
        address treasury;
        uint64 epochSeconds;
        uint256 minCollateral;
        uint16 slashBps;
        uint32 heartbeatEpochs;
        uint32 reserveEpochs;
    }

    struct Provider {
        bool registered;
        uint256 collateral;
        uint32 activeReplicas;
    }

    /// What a provider offers: `computeUnits` is the capacity still free, lowered by each match.
    struct Offer {
        address provider;
        address token;
        uint256 pricePerCU;
        uint64 computeUnits;
        bytes32 region;
        uint256 attributes;
        bool active;
        bytes peerId;
    }

    /// What a provider publishes (an `Offer` without owner and state).
    struct OfferTerms {
        address token;
        uint256 pricePerCU;
        uint64 computeUnits;
        bytes32 region;
        uint256 attributes;
        bytes peerId;
    }

    /// What a developer asks for. `region` 0 accepts any region; `requiredAttributes` is a bit
    /// mask every matched offer's `attributes` must contain.
    struct DealTerms {
        address token;
        bytes32 component;
        uint32 replicas;
        uint64 computeUnits;
        uint256 maxPricePerCU;
        bytes32 region;
        uint256 requiredAttributes;
    }

    enum DealStatus {
        None,
        Active,
        Stopped
    }

    enum StopReason {
        ByDeveloper,
        EscrowExhausted
    }

    enum Failure {
        MissedHeartbeat,
        Reported
    }

    struct Deal {
        address developer;
        DealStatus status;
        uint64 settledEpoch;
        DealTerms terms;
        uint256 escrow;
    }

    /// One replica slot of a deal; `provider` is zero while unmatched.
    struct Replica {
        address provider;
        uint256 offerId;
        uint256 pricePerEpoch;
        uint64 lastHeartbeat;
        bytes peerId;
        bytes workerId;
    }

    uint32 public constant MAX_REPLICAS = 16;
    uint256 public constant MAX_ID_BYTES = 256;

    address public immutable collateralToken;
    address public immutable treasury;
    uint64 public immutable epochSeconds;
    uint64 public immutable genesis;
    uint256 public immutable minCollateral;
    uint16 public immutable slashBps;
    uint32 public immutable heartbeatEpochs;
    uint32 public immutable reserveEpochs;

    mapping(address => Provider) private providers;
    mapping(uint256 => Offer) private offers;
    uint256 public offerCount;
    /// Ids of active offers, scanned by matching; `activeIndex` is position + 1.
    uint256[] private activeOffers;
    mapping(uint256 => uint256) private activeIndex;
    mapping(uint256 => Deal) private deals;
    mapping(uint256 => Replica[]) private replicas;
    uint256 public dealCount;
    /// Providers that failed a deal are never matched to it again.
    mapping(uint256 => mapping(address => bool)) public excluded;
    /// Settled, unwithdrawn earnings: provider => token => amount.
    mapping(address => mapping(address => uint256)) public earnings;
    uint256 private lock = 1;

    event ProviderRegistered(address indexed provider, uint256 collateral);
    event CollateralChanged(address indexed provider, uint256 collateral);
    event OfferRegistered(uint256 indexed offerId, address indexed provider, OfferTerms terms);
    event OfferUpdated(uint256 indexed offerId, uint256 pricePerCU, uint64 computeUnits);
    event OfferWithdrawn(uint256 indexed offerId);
    event DealCreated(uint256 indexed dealId, address indexed developer, DealTerms terms, uint256 escrow);
    event ReplicaMatched(
        uint256 indexed dealId,
        uint32 index,
        address indexed provider,
        uint256 offerId,
        bytes peerId,
        bytes32 component,
        uint256 pricePerEpoch
    );
    event WorkerRegistered(uint256 indexed dealId, uint32 index, address indexed provider, bytes workerId);
    event EscrowDeposited(uint256 indexed dealId, uint256 amount, uint256 escrow);
    event EscrowWithdrawn(uint256 indexed dealId, uint256 amount, uint256 escrow);
    event Settled(uint256 indexed dealId, uint64 epochs, uint256 paid, uint256 escrow);
    event DealStopped(uint256 indexed dealId, StopReason reason, uint256 escrow);
    event ReplicaRematched(uint256 indexed dealId, uint32 index, address indexed failedProvider, Failure failure);
    event Slashed(address indexed provider, uint256 indexed dealId, uint256 amount);
    event EarningsWithdrawn(address indexed provider, address indexed token, uint256 amount);

    error InvalidParams();
    error Reentrancy();
    error ZeroAmount();
    error AlreadyRegistered(address provider);
    error NotRegistered(address provider);
    error CollateralTooLow(uint256 collateral, uint256 minimum);
    error CollateralLocked(uint32 activeReplicas);
    error InvalidOffer();
    error OfferNotFound(uint256 offerId);
    error NotOfferOwner(uint256 offerId);
    error InvalidWorkerId();
    error InvalidDealTerms();
    error EscrowBelowReserve(uint256 escrow, uint256 reserve);
    error DealNotFound(uint256 dealId);
    error DealNotActive(uint256 dealId);
    error NotDeveloper(uint256 dealId);
    error ReplicaNotFound(uint256 dealId, uint32 index);
    error ReplicaNotMatched(uint256 dealId, uint32 index);
    error NotReplicaProvider(uint256 dealId, uint32 index);
    error HeartbeatNotMissed(uint256 dealId, uint32 index, uint64 deadline);
    error InsufficientEarnings(uint256 available, uint256 requested);
    error TokenTransferFailed(address token);

    modifier nonReentrant() {
        if (lock != 1) revert Reentrancy();
        lock = 2;
        _;
        lock = 1;
    }

    constructor(Params memory p) {
        // A zero treasury would make every slash (a transfer to it) revert, and with it the report.
        if (
            p.collateralToken == address(0) || p.treasury == address(0) || p.epochSeconds == 0 || p.slashBps > 10_000
                || p.reserveEpochs == 0 || p.heartbeatEpochs == 0
        ) {
            revert InvalidParams();
        }
        collateralToken = p.collateralToken;
        treasury = p.treasury;
        epochSeconds = p.epochSeconds;
        genesis = uint64(block.timestamp);
        minCollateral = p.minCollateral;
        slashBps = p.slashBps;
        heartbeatEpochs = p.heartbeatEpochs;
        reserveEpochs = p.reserveEpochs;
    }

    // ----------------------------------------------------------------- providers

    /// @notice Registers the sender as a provider, staking `collateral` (at least `minCollateral`).
    function registerProvider(uint256 collateral) external nonReentrant {
        Provider storage p = providers[msg.sender];
        if (p.registered) revert AlreadyRegistered(msg.sender);
        if (collateral < minCollateral) revert CollateralTooLow(collateral, minCollateral);
        p.registered = true;
        p.collateral = collateral;
        emit ProviderRegistered(msg.sender, collateral);
        _pull(collateralToken, collateral);
    }

    function addCollateral(uint256 amount) external nonReentrant {
        Provider storage p = _provider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        p.collateral += amount;
        emit CollateralChanged(msg.sender, p.collateral);
        _pull(collateralToken, amount);
    }

    /// @notice Returns collateral. While serving replicas a provider keeps at least `minCollateral`.
    function withdrawCollateral(uint256 amount) external nonReentrant {
        Provider storage p = _provider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (amount > p.collateral) revert CollateralTooLow(p.collateral, amount);
        if (p.activeReplicas > 0 && p.collateral - amount < minCollateral) revert CollateralLocked(p.activeReplicas);
        p.collateral -= amount;
        emit CollateralChanged(msg.sender, p.collateral);
        _push(collateralToken, msg.sender, amount);
    }

    function publishOffer(OfferTerms calldata terms) external returns (uint256 offerId) {
        _provider(msg.sender);
        if (terms.pricePerCU == 0 || terms.peerId.length == 0 || terms.peerId.length > MAX_ID_BYTES) {
            revert InvalidOffer();
        }
        offerId = ++offerCount;
        offers[offerId] = Offer({
            provider: msg.sender,
            token: terms.token,
            pricePerCU: terms.pricePerCU,
            computeUnits: terms.computeUnits,
            region: terms.region,
            attributes: terms.attributes,
            active: true,
            peerId: terms.peerId
        });
        activeOffers.push(offerId);
        activeIndex[offerId] = activeOffers.length;
        emit OfferRegistered(offerId, msg.sender, terms);
    }

    /// @notice Changes price and free capacity; replicas already matched keep their price.
    function updateOffer(uint256 offerId, uint256 pricePerCU, uint64 computeUnits) external {
        Offer storage o = _ownOffer(offerId);
        if (pricePerCU == 0) revert InvalidOffer();
        o.pricePerCU = pricePerCU;
        o.computeUnits = computeUnits;
        emit OfferUpdated(offerId, pricePerCU, computeUnits);
    }

    /// @notice Stops new matches to the offer; replicas already matched keep running.
    function withdrawOffer(uint256 offerId) external {
        Offer storage o = _ownOffer(offerId);
        o.active = false;
        uint256 position = activeIndex[offerId] - 1;
        uint256 last = activeOffers[activeOffers.length - 1];
        activeOffers[position] = last;
        activeIndex[last] = position + 1;
        activeOffers.pop();
        delete activeIndex[offerId];
        emit OfferWithdrawn(offerId);
    }

    /// @notice The provider's node tells which worker serves its replica; counts as a heartbeat.
    function registerWorker(uint256 dealId, uint32 index, bytes calldata workerId) external {
        if (workerId.length == 0 || workerId.length > MAX_ID_BYTES) revert InvalidWorkerId();
        _activeDeal(dealId);
        Replica storage r = _replica(dealId, index);
        if (r.provider != msg.sender) revert NotReplicaProvider(dealId, index);
        r.workerId = workerId;
        r.lastHeartbeat = uint64(block.timestamp);
        emit WorkerRegistered(dealId, index, msg.sender, workerId);
    }

    /// @notice Proves the sender still serves its replica of the deal, and settles the deal.
    ///         Succeeds without effect on the heartbeat when settling stopped the deal.
    function heartbeat(uint256 dealId) external {
        Deal storage d = _activeDeal(dealId);
        _settle(dealId);
        if (d.status != DealStatus.Active) return;
        Replica[] storage rs = replicas[dealId];
        for (uint32 i = 0; i < rs.length; i++) {
            if (rs[i].provider == msg.sender) {
                rs[i].lastHeartbeat = uint64(block.timestamp);
                return;
            }
        }
        revert NotReplicaProvider(dealId, type(uint32).max);
    }

    function withdrawEarnings(address token, uint256 amount) external nonReentrant {
        uint256 available = earnings[msg.sender][token];
        if (amount == 0) revert ZeroAmount();
        if (amount > available) revert InsufficientEarnings(available, amount);
        earnings[msg.sender][token] = available - amount;
        emit EarningsWithdrawn(msg.sender, token, amount);
        _push(token, msg.sender, amount);
    }

    // ----------------------------------------------------------------- developers

    /// @notice Creates a deal, deposits `deposit` of `terms.token` as escrow and matches what it can.
    function createDeal(DealTerms calldata terms, uint256 deposit) external nonReentrant returns (uint256 dealId) {
        if (terms.replicas == 0 || terms.replicas > MAX_REPLICAS || terms.computeUnits == 0 || terms.maxPricePerCU == 0)
        {
            revert InvalidDealTerms();
        }
        uint256 reserve = _reserve(terms);
        if (deposit < reserve) revert EscrowBelowReserve(deposit, reserve);
        dealId = ++dealCount;
        Deal storage d = deals[dealId];
        d.developer = msg.sender;
        d.status = DealStatus.Active;
        d.settledEpoch = currentEpoch();
        d.terms = terms;
        d.escrow = deposit;
        for (uint32 i = 0; i < terms.replicas; i++) {
            replicas[dealId].push();
        }
        emit DealCreated(dealId, msg.sender, terms, deposit);
        _matchDeal(dealId);
        _pull(terms.token, deposit);
    }

    function topUp(uint256 dealId, uint256 amount) external nonReentrant {
        Deal storage d = _activeDeal(dealId);
        if (amount == 0) revert ZeroAmount();
        _settle(dealId);
        if (d.status != DealStatus.Active) revert DealNotActive(dealId);
        d.escrow += amount;
        emit EscrowDeposited(dealId, amount, d.escrow);
        _pull(d.terms.token, amount);
    }

    /// @notice Returns escrow to the developer: down to the reserve while the deal runs, all of
    ///         it once stopped.
    function withdrawUnused(uint256 dealId, uint256 amount) external nonReentrant {
        Deal storage d = _deal(dealId);
        if (d.developer != msg.sender) revert NotDeveloper(dealId);
        if (amount == 0) revert ZeroAmount();
        _settle(dealId);
        uint256 keep = d.status == DealStatus.Active ? _reserve(d.terms) : 0;
        if (amount > d.escrow || d.escrow - amount < keep) revert EscrowBelowReserve(d.escrow - _min(amount, d.escrow), keep);
        d.escrow -= amount;
        emit EscrowWithdrawn(dealId, amount, d.escrow);
        _push(d.terms.token, msg.sender, amount);
    }

    /// @notice Stops the deal after paying the ended epochs and refunds the rest of the escrow.
    function stopDeal(uint256 dealId) external nonReentrant {
        Deal storage d = _activeDeal(dealId);
        if (d.developer != msg.sender) revert NotDeveloper(dealId);
        _settle(dealId);
        if (d.status == DealStatus.Active) _stop(dealId, StopReason.ByDeveloper);
        uint256 refund = d.escrow;
        d.escrow = 0;
        if (refund > 0) {
            emit EscrowWithdrawn(dealId, refund, 0);
            _push(d.terms.token, msg.sender, refund);
        }
    }

    /// @notice The developer reports that a replica does not serve (the proof is off chain).
    function reportFailure(uint256 dealId, uint32 index) external nonReentrant {
        Deal storage d = _activeDeal(dealId);
        if (d.developer != msg.sender) revert NotDeveloper(dealId);
        _settle(dealId);
        if (d.status != DealStatus.Active) revert DealNotActive(dealId);
        _fail(dealId, index, Failure.Reported);
    }

    // ----------------------------------------------------------------- anyone

    /// @notice Matches the deal's unmatched replicas to the cheapest eligible offers.
    function matchDeal(uint256 dealId) external {
        _activeDeal(dealId);
        _settle(dealId);
        if (deals[dealId].status == DealStatus.Active) _matchDeal(dealId);
    }

    /// @notice Pays the epochs that ended; stops the deal if the escrow ran out.
    function settle(uint256 dealId) external {
        _deal(dealId);
        _settle(dealId);
    }

    /// @notice Takes a replica from a provider whose heartbeats stopped, slashes it and re-matches.
    function reportMissedHeartbeat(uint256 dealId, uint32 index) external nonReentrant {
        Deal storage d = _activeDeal(dealId);
        _settle(dealId);
        if (d.status != DealStatus.Active) revert DealNotActive(dealId);
        Replica storage r = _replica(dealId, index);
        uint64 deadline = r.lastHeartbeat + uint64(heartbeatEpochs) * epochSeconds;
        if (r.provider == address(0)) revert ReplicaNotMatched(dealId, index);
        if (block.timestamp <= deadline) revert HeartbeatNotMissed(dealId, index, deadline);
        _fail(dealId, index, Failure.MissedHeartbeat);
    }

    // ----------------------------------------------------------------- views

    function currentEpoch() public view returns (uint64) {
        return (uint64(block.timestamp) - genesis) / epochSeconds;
    }

    function params() external view returns (Params memory) {
        return Params(collateralToken, treasury, epochSeconds, minCollateral, slashBps, heartbeatEpochs, reserveEpochs);
    }

    function getProvider(address provider) external view returns (Provider memory) {
        return providers[provider];
    }

    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return offers[offerId];
    }

    function getActiveOffers() external view returns (uint256[] memory) {
        return activeOffers;
    }

    function getDeal(uint256 dealId) external view returns (Deal memory) {
        return deals[dealId];
    }

    function getReplicas(uint256 dealId) external view returns (Replica[] memory) {
        return replicas[dealId];
    }

    /// @notice The escrow a running deal must keep.
    function reserveOf(uint256 dealId) external view returns (uint256) {
        return _reserve(deals[dealId].terms);
    }

    // ----------------------------------------------------------------- internals

    function _reserve(DealTerms memory t) private view returns (uint256) {
        return uint256(t.replicas) * t.computeUnits * t.maxPricePerCU * reserveEpochs;
    }

    function _settle(uint256 dealId) private {
        Deal storage d = deals[dealId];
        if (d.status != DealStatus.Active) return;
        uint64 epoch = currentEpoch();
        Replica[] storage rs = replicas[dealId];
        uint256 cost = 0;
        for (uint256 i = 0; i < rs.length; i++) {
            cost += rs[i].pricePerEpoch;
        }
        if (cost == 0) {
            d.settledEpoch = epoch;
            return;
        }
        uint64 due = epoch - d.settledEpoch;
        uint256 affordable = d.escrow / cost;
        uint64 paid = affordable < due ? uint64(affordable) : due;
        if (paid > 0) {
            for (uint256 i = 0; i < rs.length; i++) {
                if (rs[i].provider != address(0)) {
                    earnings[rs[i].provider][d.terms.token] += rs[i].pricePerEpoch * paid;
                }
            }
            d.escrow -= cost * paid;
            d.settledEpoch += paid;
            emit Settled(dealId, paid, cost * paid, d.escrow);
        }
        // The running epoch must be paid at its end: stop now if it cannot be.
        if (d.escrow < cost) _stop(dealId, StopReason.EscrowExhausted);
    }

    function _stop(uint256 dealId, StopReason reason) private {
        Deal storage d = deals[dealId];
        d.status = DealStatus.Stopped;
        Replica[] storage rs = replicas[dealId];
        for (uint256 i = 0; i < rs.length; i++) {
            address p = rs[i].provider;
            if (p == address(0)) continue;
            providers[p].activeReplicas -= 1;
            Offer storage o = offers[rs[i].offerId];
            if (o.active) o.computeUnits += d.terms.computeUnits;
        }
        emit DealStopped(dealId, reason, d.escrow);
    }

    function _fail(uint256 dealId, uint32 index, Failure failure) private {
        Replica storage r = _replica(dealId, index);
        address failed = r.provider;
        if (failed == address(0)) revert ReplicaNotMatched(dealId, index);
        excluded[dealId][failed] = true;
        Provider storage p = providers[failed];
        p.activeReplicas -= 1;
        uint256 slash = p.collateral * slashBps / 10_000;
        p.collateral -= slash;
        delete replicas[dealId][index];
        emit ReplicaRematched(dealId, index, failed, failure);
        emit Slashed(failed, dealId, slash);
        _matchReplica(dealId, index);
        if (slash > 0) _push(collateralToken, treasury, slash);
    }

    function _matchDeal(uint256 dealId) private {
        Replica[] storage rs = replicas[dealId];
        for (uint32 i = 0; i < rs.length; i++) {
            if (rs[i].provider == address(0)) _matchReplica(dealId, i);
        }
    }

    /// Assigns the cheapest eligible offer (the older one on a tie) to an empty replica slot.
    function _matchReplica(uint256 dealId, uint32 index) private {
        Deal storage d = deals[dealId];
        uint256 best = 0;
        for (uint256 i = 0; i < activeOffers.length; i++) {
            uint256 id = activeOffers[i];
            if (!_eligible(dealId, d.terms, offers[id])) continue;
            if (
                best == 0 || offers[id].pricePerCU < offers[best].pricePerCU
                    || (offers[id].pricePerCU == offers[best].pricePerCU && id < best)
            ) best = id;
        }
        if (best == 0) return;
        Offer storage o = offers[best];
        o.computeUnits -= d.terms.computeUnits;
        providers[o.provider].activeReplicas += 1;
        Replica storage r = replicas[dealId][index];
        r.provider = o.provider;
        r.offerId = best;
        r.pricePerEpoch = o.pricePerCU * d.terms.computeUnits;
        r.lastHeartbeat = uint64(block.timestamp);
        r.peerId = o.peerId;
        emit ReplicaMatched(dealId, index, o.provider, best, o.peerId, d.terms.component, r.pricePerEpoch);
    }

    function _eligible(uint256 dealId, DealTerms storage t, Offer storage o) private view returns (bool) {
        if (o.token != t.token || o.pricePerCU > t.maxPricePerCU || o.computeUnits < t.computeUnits) return false;
        if (t.region != bytes32(0) && o.region != t.region) return false;
        if (o.attributes & t.requiredAttributes != t.requiredAttributes) return false;
        if (excluded[dealId][o.provider] || providers[o.provider].collateral < minCollateral) return false;
        Replica[] storage rs = replicas[dealId];
        for (uint256 i = 0; i < rs.length; i++) {
            if (rs[i].provider == o.provider) return false;
        }
        return true;
    }

    function _provider(address who) private view returns (Provider storage p) {
        p = providers[who];
        if (!p.registered) revert NotRegistered(who);
    }

    function _ownOffer(uint256 offerId) private view returns (Offer storage o) {
        o = offers[offerId];
        if (!o.active) revert OfferNotFound(offerId);
        if (o.provider != msg.sender) revert NotOfferOwner(offerId);
    }

    function _deal(uint256 dealId) private view returns (Deal storage d) {
        d = deals[dealId];
        if (d.status == DealStatus.None) revert DealNotFound(dealId);
    }

    function _activeDeal(uint256 dealId) private view returns (Deal storage d) {
        d = _deal(dealId);
        if (d.status != DealStatus.Active) revert DealNotActive(dealId);
    }

    function _replica(uint256 dealId, uint32 index) private view returns (Replica storage) {
        if (index >= replicas[dealId].length) revert ReplicaNotFound(dealId, index);
        return replicas[dealId][index];
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    /// Takes `amount` of `token` from the sender.
    function _pull(address token, uint256 amount) private {
        if (amount == 0) return;
        _call(token, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)));
    }

    function _push(address token, address to, uint256 amount) private {
        _call(token, abi.encodeCall(IERC20.transfer, (to, amount)));
    }

    /// Calls a token, accepting tokens that return nothing and passing the token's own revert
    /// reason up so the caller sees why (e.g. InsufficientAllowance).
    function _call(address token, bytes memory data) private {
        if (token.code.length == 0) revert TokenTransferFailed(token);
        (bool ok, bytes memory result) = token.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        if (result.length != 0 && !abi.decode(result, (bool))) revert TokenTransferFailed(token);
    }
}
