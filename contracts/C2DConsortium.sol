// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice dstack's DstackApp (IAppAuth) boot information: the same fields, in the same order,
///         with the same types, so that `isAppAllowed` has dstack's selector and a KMS written
///         for DstackApp can ask this contract unchanged.
struct AppBootInfo {
    address appId;
    bytes32 composeHash;
    address instanceId;
    bytes32 deviceId;
    bytes32 mrAggregated;
    bytes32 mrSystem;
    bytes32 osImageHash;
    string tcbStatus;
    string[] advisoryIds;
}

/// @notice One dataset a run reads, as its sealed header names it: the owner's address and the
///         dataset id. A budget belongs to this pair, never to the id alone.
struct DatasetRef {
    address owner;
    bytes32 datasetId;
}

/// @title C2DConsortium: the on-chain gate of c2d's key release
/// @notice A consortium of data owners, fixed at deployment, approves a compose-hash k of n;
///         an approval may expire, and any single owner can revoke a compose-hash, globally and
///         for ever. Each owner caps the differential-privacy budgets (epsilon and rho) of its
///         own datasets; only the KMS spends from them, and only for an allowed compose-hash
///         that the dataset's owner itself approves.
/// @dev    Nothing here can be changed after deployment: there is no admin, no upgrade, no
///         owner management and no way to un-revoke. Every state change emits an event, so the
///         whole history can be rebuilt from the logs and the blocks' timestamps alone. Every
///         failure is a `require(cond, "c2d: ...")` (revert data `Error(string)`), so that any
///         client can decode it. Budgets are in micro-units: 1 = 1e-6 of epsilon (pure DP) or
///         of rho (zCDP). Times are Unix seconds, compared with `block.timestamp`.
contract C2DConsortium {
    /// @notice The most owners a consortium may have; bounds the constructor's loop and every
    ///         count of approvals.
    uint256 public constant MAX_OWNERS = 64;
    /// @notice The most datasets one `spend` may charge; bounds its loops.
    uint256 public constant MAX_DATASETS = 64;

    struct Owner {
        address addr;
        string jurisdiction;
        string labels;
    }

    struct Approval {
        bool approved; // the owner approved, at some time
        uint64 expiresAt; // 0: never; else the approval counts while block.timestamp < expiresAt
    }

    struct Budget {
        uint64 capMicroEps;
        uint64 spentMicroEps; // never above capMicroEps
        uint64 capMicroRho;
        uint64 spentMicroRho; // never above capMicroRho
        bool set; // the owner has set this budget (a cap of 0 is a budget too)
    }

    /// @notice The consortium's display name.
    string public name;
    /// @notice k: how many distinct owners must hold a live approval of a compose-hash for it
    ///         to be allowed.
    uint256 public immutable threshold;
    /// @notice The only address allowed to spend privacy budgets (the KMS's signing account).
    address public immutable kms;

    Owner[] private _owners;
    /// @notice Whether `who` is one of the consortium's owners.
    mapping(address who => bool) public isOwner;

    mapping(bytes32 composeHash => mapping(address owner => Approval)) private _approvals;
    /// @notice Whether some owner revoked `composeHash`; a revoked hash is never allowed again.
    mapping(bytes32 composeHash => bool) public isRevoked;

    mapping(address owner => mapping(bytes32 datasetId => Budget)) private _budgets;
    /// @notice The release log's head that the KMS recorded with run `runId`'s spend; zero
    ///         while the run has not been charged (a head is never zero, so non-zero means
    ///         charged, and the run cannot be charged again).
    mapping(bytes32 runId => bytes32 logHead) public logHeadOf;

    /// @notice The consortium was created (emitted once, by the constructor).
    /// @param name The consortium's display name.
    /// @param threshold k of n.
    /// @param kms The KMS's address.
    /// @param ownerCount n.
    event Constituted(string name, uint256 threshold, address kms, uint256 ownerCount);
    /// @notice An owner was registered at deployment (emitted once per owner, by the constructor).
    /// @param owner The owner's address.
    /// @param index Its index for `ownerAt`.
    /// @param jurisdiction The owner's jurisdiction.
    /// @param labels Space-separated free text (e.g. "hospital records=412000 HIPAA").
    event OwnerRegistered(address indexed owner, uint256 index, string jurisdiction, string labels);
    /// @notice `composeHash` became allowed through an approval: the approval that brought its
    ///         live approvals to the threshold. A hash that falls below it when approvals expire
    ///         emits nothing (no transaction runs then) and emits this again when new approvals
    ///         bring it back.
    /// @param composeHash The compose-hash.
    event ComposeHashAdded(bytes32 composeHash);
    /// @notice `composeHash` was revoked (whether or not it had reached the threshold).
    /// @param composeHash The compose-hash.
    event ComposeHashRemoved(bytes32 composeHash);
    /// @notice `owner` approved `composeHash`, or extended its live approval.
    /// @param composeHash The compose-hash.
    /// @param owner The approving owner.
    /// @param approvals The hash's live approvals after this one.
    /// @param expiresAt When this approval stops counting (Unix seconds); 0: never.
    event Approved(
        bytes32 indexed composeHash, address indexed owner, uint256 approvals, uint64 expiresAt
    );
    /// @notice `owner` revoked `composeHash`, for every owner and for ever.
    /// @param composeHash The compose-hash.
    /// @param owner The revoking owner.
    event Revoked(bytes32 indexed composeHash, address indexed owner);
    /// @notice `owner` set the caps of its dataset `datasetId`.
    /// @param owner The dataset's owner (the caller).
    /// @param datasetId The dataset id.
    /// @param capMicroEps The new epsilon cap, in micro-epsilon.
    /// @param capMicroRho The new rho cap, in micro-rho.
    event BudgetSet(
        address indexed owner, bytes32 indexed datasetId, uint64 capMicroEps, uint64 capMicroRho
    );
    /// @notice The KMS charged owner's dataset `datasetId` for run `runId` of `composeHash`.
    /// @param owner The dataset's owner.
    /// @param datasetId The dataset id.
    /// @param composeHash The compose-hash the run executes.
    /// @param runId The run, charged at most once.
    /// @param microEps The epsilon charged, in micro-epsilon.
    /// @param microRho The rho charged, in micro-rho.
    /// @param spentMicroEps The dataset's epsilon spent after this charge.
    /// @param spentMicroRho The dataset's rho spent after this charge.
    event Spent(
        address indexed owner,
        bytes32 indexed datasetId,
        bytes32 indexed composeHash,
        bytes32 runId,
        uint64 microEps,
        uint64 microRho,
        uint64 spentMicroEps,
        uint64 spentMicroRho
    );

    /// @notice The KMS charged run `runId` of `composeHash` (emitted once per successful
    ///         `spend`, after its `Spent` logs) with its release log's head at that time, so the
    ///         block that holds this log timestamps the release log up to that head.
    /// @param runId The run.
    /// @param composeHash The compose-hash the run executes.
    /// @param logHead The hash of the release log's last line when the KMS released the keys.
    event Released(bytes32 indexed runId, bytes32 indexed composeHash, bytes32 logHead);

    modifier onlyOwner() {
        require(isOwner[msg.sender], "c2d: not an owner");
        _;
    }

    /// @notice Creates the consortium; nothing set here can change afterwards.
    /// @param name_ The display name.
    /// @param owners The owners' addresses: distinct, non-zero, 1 to MAX_OWNERS of them.
    /// @param jurisdictions owners[i]'s jurisdiction, for each i.
    /// @param labels owners[i]'s labels (space-separated words), for each i.
    /// @param threshold_ k, with 1 <= k <= owners.length.
    /// @param kms_ The KMS's address, non-zero.
    constructor(
        string memory name_,
        address[] memory owners,
        string[] memory jurisdictions,
        string[] memory labels,
        uint256 threshold_,
        address kms_
    ) {
        uint256 n = owners.length;
        require(
            jurisdictions.length == n && labels.length == n,
            "c2d: owners, jurisdictions and labels differ in length"
        );
        require(n <= MAX_OWNERS, "c2d: too many owners");
        require(threshold_ >= 1 && threshold_ <= n, "c2d: threshold out of range");
        require(kms_ != address(0), "c2d: zero KMS address");

        name = name_;
        threshold = threshold_;
        kms = kms_;
        emit Constituted(name_, threshold_, kms_, n);
        for (uint256 i = 0; i < n; i++) {
            address o = owners[i];
            require(o != address(0), "c2d: zero owner address");
            require(!isOwner[o], "c2d: duplicate owner");
            isOwner[o] = true;
            _owners.push(Owner(o, jurisdictions[i], labels[i]));
            emit OwnerRegistered(o, i, jurisdictions[i], labels[i]);
        }
    }

    // --- dstack-compatible ---------------------------------------------------------------

    /// @notice DstackApp's name for `approve`: the caller, an owner, approves `composeHash`
    ///         without expiry.
    /// @param composeHash The compose-hash.
    function addComposeHash(bytes32 composeHash) external onlyOwner {
        _approve(composeHash, 0);
    }

    /// @notice DstackApp's name for `revoke`: the caller, an owner, revokes `composeHash`.
    /// @param composeHash The compose-hash.
    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        _revoke(composeHash);
    }

    /// @notice Whether `composeHash` is allowed now: at least `threshold` owners hold a live
    ///         (unexpired) approval of it and none revoked it.
    /// @param composeHash The compose-hash.
    /// @return allowed True iff allowed.
    function allowedComposeHashes(bytes32 composeHash) public view returns (bool allowed) {
        return !isRevoked[composeHash] && approvalCount(composeHash) >= threshold;
    }

    /// @notice DstackApp's boot check: may this app boot with this compose-hash now?
    /// @dev Only `appId` and `composeHash` are examined; the other fields are for the KMS.
    /// @param bootInfo The boot information.
    /// @return allowed Whether it may.
    /// @return reason "" when allowed, else "wrong app", "compose hash revoked" or
    ///         "compose hash not approved by the quorum" (expired approvals do not count).
    function isAppAllowed(AppBootInfo calldata bootInfo)
        external
        view
        returns (bool allowed, string memory reason)
    {
        if (bootInfo.appId != address(this)) {
            return (false, "wrong app");
        }
        if (isRevoked[bootInfo.composeHash]) {
            return (false, "compose hash revoked");
        }
        if (approvalCount(bootInfo.composeHash) < threshold) {
            return (false, "compose hash not approved by the quorum");
        }
        return (true, "");
    }

    // --- the consortium ------------------------------------------------------------------

    /// @notice n: how many owners the consortium has.
    /// @return count n.
    function ownerCount() external view returns (uint256 count) {
        return _owners.length;
    }

    /// @notice The i-th owner, in deployment order.
    /// @param i The index, below `ownerCount()` (else the call fails with a panic).
    /// @return owner The owner's address.
    /// @return jurisdiction Its jurisdiction.
    /// @return labels Its labels.
    function ownerAt(uint256 i)
        external
        view
        returns (address owner, string memory jurisdiction, string memory labels)
    {
        Owner storage o = _owners[i];
        return (o.addr, o.jurisdiction, o.labels);
    }

    /// @notice Whether `owner` holds a live approval of `composeHash` now: this owner's consent
    ///         to the KMS releasing its keys to that code. False once the approval expired.
    /// @param composeHash The compose-hash.
    /// @param owner The owner.
    /// @return approved True iff approved and not expired.
    function hasApproved(bytes32 composeHash, address owner) public view returns (bool approved) {
        return _live(_approvals[composeHash][owner]);
    }

    /// @notice When `owner`'s latest approval of `composeHash` stops counting (Unix seconds).
    /// @dev 0 either when it never expires or when there is none: `hasApproved` tells which.
    ///      Non-zero with `hasApproved` false: the approval expired.
    /// @param composeHash The compose-hash.
    /// @param owner The owner.
    /// @return expiresAt The expiry; 0: none.
    function approvalExpiry(bytes32 composeHash, address owner)
        external
        view
        returns (uint64 expiresAt)
    {
        return _approvals[composeHash][owner].expiresAt;
    }

    /// @notice How many distinct owners hold a live approval of `composeHash` now.
    /// @dev Counted over the owners (at most MAX_OWNERS), since an expiry changes the count
    ///      without a transaction.
    /// @param composeHash The compose-hash.
    /// @return count The live approvals.
    function approvalCount(bytes32 composeHash) public view returns (uint256 count) {
        uint256 n = _owners.length;
        for (uint256 i = 0; i < n; i++) {
            if (_live(_approvals[composeHash][_owners[i].addr])) {
                count++;
            }
        }
    }

    /// @notice The caller, an owner, approves `composeHash` without expiry; when this brings
    ///         the live approvals to the threshold the hash becomes allowed and
    ///         ComposeHashAdded is emitted.
    /// @dev Reverts "c2d: not an owner", "c2d: compose hash revoked", "c2d: already approved"
    ///      (a live approval without expiry exists).
    /// @param composeHash The compose-hash.
    function approve(bytes32 composeHash) external onlyOwner {
        _approve(composeHash, 0);
    }

    /// @notice As `approve`, with an expiry: the approval counts while
    ///         block.timestamp < `expiresAt`, and then no longer (passive revocation). An
    ///         expired approval may be given again; a live one may be extended (a later expiry,
    ///         or 0), never shortened.
    /// @dev Reverts "c2d: not an owner", "c2d: compose hash revoked",
    ///      "c2d: expiry not in the future" (a non-zero `expiresAt` <= block.timestamp),
    ///      "c2d: already approved" (a live approval that this one would not extend).
    /// @param composeHash The compose-hash.
    /// @param expiresAt The first second at which the approval no longer counts; 0: never.
    function approveUntil(bytes32 composeHash, uint64 expiresAt) external onlyOwner {
        _approve(composeHash, expiresAt);
    }

    /// @notice The caller, an owner, revokes `composeHash`: for every owner, at once and for
    ///         ever. Any one owner may, whether or not it approved the hash.
    /// @dev Reverts "c2d: not an owner", "c2d: already revoked".
    /// @param composeHash The compose-hash.
    function revoke(bytes32 composeHash) external onlyOwner {
        _revoke(composeHash);
    }

    // --- privacy budgets -----------------------------------------------------------------

    /// @notice The caller, an owner, sets the caps of its own dataset `datasetId`: the budget
    ///         of (msg.sender, datasetId). Another owner's budget of the same id is another
    ///         budget, which this never touches. A cap may be lowered down to what is spent.
    /// @dev Reverts "c2d: not an owner", "c2d: epsilon cap below spent",
    ///      "c2d: rho cap below spent".
    /// @param datasetId The dataset id.
    /// @param capMicroEps The epsilon cap, in micro-epsilon.
    /// @param capMicroRho The rho cap, in micro-rho (0: no zCDP release may use the dataset).
    function setBudget(bytes32 datasetId, uint64 capMicroEps, uint64 capMicroRho)
        external
        onlyOwner
    {
        Budget storage b = _budgets[msg.sender][datasetId];
        require(capMicroEps >= b.spentMicroEps, "c2d: epsilon cap below spent");
        require(capMicroRho >= b.spentMicroRho, "c2d: rho cap below spent");

        b.capMicroEps = capMicroEps;
        b.capMicroRho = capMicroRho;
        b.set = true;
        emit BudgetSet(msg.sender, datasetId, capMicroEps, capMicroRho);
    }

    /// @notice The budget of `owner`'s dataset `datasetId`; all zero when that owner set none.
    /// @param owner The dataset's owner.
    /// @param datasetId The dataset id.
    /// @return set Whether the owner has set it.
    /// @return capMicroEps The epsilon cap, in micro-epsilon.
    /// @return spentMicroEps The epsilon the KMS spent of it.
    /// @return capMicroRho The rho cap, in micro-rho.
    /// @return spentMicroRho The rho the KMS spent of it.
    function budgetOf(address owner, bytes32 datasetId)
        external
        view
        returns (
            bool set,
            uint64 capMicroEps,
            uint64 spentMicroEps,
            uint64 capMicroRho,
            uint64 spentMicroRho
        )
    {
        Budget storage b = _budgets[owner][datasetId];
        return (b.set, b.capMicroEps, b.spentMicroEps, b.capMicroRho, b.spentMicroRho);
    }

    /// @notice The KMS charges `microEps` and `microRho` to each of `datasets` for run `runId`
    ///         of `composeHash`, all or nothing: every check passes for every dataset before
    ///         anything is written. Each dataset is the (owner, id) pair of a sealed header
    ///         whose key the KMS releases for the run. `logHead` anchors the KMS's
    ///         hash-chained release log: it is kept as `logHeadOf(runId)` and emitted in
    ///         `Released`, so that a log rewritten after the fact no longer matches the chain.
    /// @dev Reverts "c2d: only the KMS", "c2d: zero log head", "c2d: compose hash not allowed",
    ///      "c2d: run already spent", "c2d: no datasets", "c2d: too many datasets",
    ///      "c2d: duplicate dataset", "c2d: no budget for dataset",
    ///      "c2d: dataset owner has not approved", "c2d: epsilon budget exceeded",
    ///      "c2d: rho budget exceeded".
    /// @param composeHash The compose-hash the run executes.
    /// @param datasets The datasets the run reads: 1 to MAX_DATASETS distinct (owner, id) pairs.
    /// @param microEps The epsilon charged to each dataset, in micro-epsilon.
    /// @param microRho The rho charged to each dataset, in micro-rho.
    /// @param runId The run's id; each run is charged once.
    /// @param logHead The release log's head hash at the release; non-zero.
    function spend(
        bytes32 composeHash,
        DatasetRef[] calldata datasets,
        uint64 microEps,
        uint64 microRho,
        bytes32 runId,
        bytes32 logHead
    ) external {
        require(msg.sender == kms, "c2d: only the KMS");
        require(logHead != bytes32(0), "c2d: zero log head");
        require(allowedComposeHashes(composeHash), "c2d: compose hash not allowed");
        require(logHeadOf[runId] == bytes32(0), "c2d: run already spent");
        uint256 n = datasets.length;
        require(n != 0, "c2d: no datasets");
        require(n <= MAX_DATASETS, "c2d: too many datasets");
        for (uint256 i = 0; i < n; i++) {
            DatasetRef calldata d = datasets[i];
            // Distinct pairs, so that each check below sees the state its write will change.
            for (uint256 j = 0; j < i; j++) {
                require(
                    datasets[j].owner != d.owner || datasets[j].datasetId != d.datasetId,
                    "c2d: duplicate dataset"
                );
            }
            Budget storage b = _budgets[d.owner][d.datasetId];
            require(b.set, "c2d: no budget for dataset");
            require(_live(_approvals[composeHash][d.owner]), "c2d: dataset owner has not approved");
            // In 256 bits: the sum of two uint64 cannot overflow, so these cannot panic.
            require(
                uint256(b.spentMicroEps) + microEps <= b.capMicroEps, "c2d: epsilon budget exceeded"
            );
            require(
                uint256(b.spentMicroRho) + microRho <= b.capMicroRho, "c2d: rho budget exceeded"
            );
        }

        logHeadOf[runId] = logHead;
        for (uint256 i = 0; i < n; i++) {
            DatasetRef calldata d = datasets[i];
            Budget storage b = _budgets[d.owner][d.datasetId];
            b.spentMicroEps += microEps; // checked above: <= cap
            b.spentMicroRho += microRho;
            emit Spent(
                d.owner,
                d.datasetId,
                composeHash,
                runId,
                microEps,
                microRho,
                b.spentMicroEps,
                b.spentMicroRho
            );
        }
        emit Released(runId, composeHash, logHead);
    }

    // --- internals ------------------------------------------------------------------------

    function _live(Approval storage a) private view returns (bool) {
        return a.approved && (a.expiresAt == 0 || block.timestamp < a.expiresAt);
    }

    function _approve(bytes32 composeHash, uint64 expiresAt) private {
        require(!isRevoked[composeHash], "c2d: compose hash revoked");
        require(expiresAt == 0 || expiresAt > block.timestamp, "c2d: expiry not in the future");
        Approval storage a = _approvals[composeHash][msg.sender];
        bool wasLive = _live(a);
        // A live approval may be extended, never shortened: shortening would be a private
        // withdrawal, and withdrawing consent is what `revoke` is for, visibly and for all.
        require(
            !wasLive || (a.expiresAt != 0 && (expiresAt == 0 || expiresAt > a.expiresAt)),
            "c2d: already approved"
        );

        a.approved = true;
        a.expiresAt = expiresAt;
        uint256 count = approvalCount(composeHash);
        emit Approved(composeHash, msg.sender, count, expiresAt);
        // An extension adds no approval; a new one adds exactly one, so the count equals the
        // threshold after a new approval only when this approval brought it there.
        if (!wasLive && count == threshold) {
            emit ComposeHashAdded(composeHash);
        }
    }

    function _revoke(bytes32 composeHash) private {
        require(!isRevoked[composeHash], "c2d: already revoked");

        isRevoked[composeHash] = true;
        emit Revoked(composeHash, msg.sender);
        emit ComposeHashRemoved(composeHash);
    }
}
