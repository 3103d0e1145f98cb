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

/// @title C2DConsortium: the on-chain gate of c2d's key release
/// @notice A consortium of data owners, fixed at deployment, approves a compose-hash k of n;
///         any single owner can revoke a compose-hash, globally and for ever. Each owner caps
///         the differential-privacy budget of its datasets; only the KMS spends from it, and
///         only for an allowed compose-hash that the dataset's owner itself approved.
/// @dev    Nothing here can be changed after deployment: there is no admin, no upgrade, no
///         owner management and no way to un-revoke. Every state change emits an event, so the
///         whole history can be rebuilt from the logs alone. Every failure is a
///         `require(cond, "c2d: ...")` (revert data `Error(string)`), so that any client can
///         decode it. Budgets are in micro-epsilon: 1 = 1e-6 of epsilon.
contract C2DConsortium {
    /// @notice The most owners a consortium may have; bounds the constructor's loop.
    uint256 public constant MAX_OWNERS = 64;
    /// @notice The most datasets one `spend` may charge; bounds its loops.
    uint256 public constant MAX_DATASETS = 64;

    struct Owner {
        address addr;
        string jurisdiction;
        string labels;
    }

    struct Budget {
        address owner; // the owner who first set a budget for this dataset id; zero: none
        uint64 cap; // micro-epsilon
        uint64 spent; // micro-epsilon, never above cap
    }

    /// @notice The consortium's display name.
    string public name;
    /// @notice k: how many distinct owners must approve a compose-hash before it is allowed.
    uint256 public immutable threshold;
    /// @notice The only address allowed to spend privacy budgets (the KMS's signing account).
    address public immutable kms;

    Owner[] private _owners;
    /// @notice Whether `who` is one of the consortium's owners.
    mapping(address who => bool) public isOwner;

    /// @notice Whether `owner` approved `composeHash` (this owner's consent to the KMS releasing
    ///         its keys to that code).
    mapping(bytes32 composeHash => mapping(address owner => bool)) public hasApproved;
    /// @notice How many distinct owners approved `composeHash`.
    mapping(bytes32 composeHash => uint256) public approvalCount;
    /// @notice Whether some owner revoked `composeHash`; a revoked hash is never allowed again.
    mapping(bytes32 composeHash => bool) public isRevoked;

    mapping(bytes32 datasetId => Budget) private _budgets;
    mapping(bytes32 runId => bool) private _runSpent;

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
    /// @notice `composeHash` reached the threshold and became allowed. Emitted once per hash:
    ///         approvals only increase and a revoked hash takes no approvals.
    /// @param composeHash The compose-hash.
    event ComposeHashAdded(bytes32 composeHash);
    /// @notice `composeHash` was revoked (whether or not it had reached the threshold).
    /// @param composeHash The compose-hash.
    event ComposeHashRemoved(bytes32 composeHash);
    /// @notice `owner` approved `composeHash`.
    /// @param composeHash The compose-hash.
    /// @param owner The approving owner.
    /// @param approvals The hash's approval count after this approval.
    event Approved(bytes32 indexed composeHash, address indexed owner, uint256 approvals);
    /// @notice `owner` revoked `composeHash`, for every owner and for ever.
    /// @param composeHash The compose-hash.
    /// @param owner The revoking owner.
    event Revoked(bytes32 indexed composeHash, address indexed owner);
    /// @notice `owner` set the cap of `datasetId` (and owns that id from its first cap on).
    /// @param datasetId The dataset id.
    /// @param owner The dataset's owner.
    /// @param capMicroEps The new cap, in micro-epsilon.
    event BudgetSet(bytes32 indexed datasetId, address indexed owner, uint64 capMicroEps);
    /// @notice The KMS charged `microEps` to `datasetId` for run `runId` of `composeHash`.
    /// @param runId The run, charged at most once.
    /// @param composeHash The compose-hash the run executes.
    /// @param datasetId The dataset charged.
    /// @param microEps The amount charged, in micro-epsilon.
    /// @param spentTotal The dataset's total spent after this charge, in micro-epsilon.
    event Spent(
        bytes32 indexed runId,
        bytes32 indexed composeHash,
        bytes32 indexed datasetId,
        uint64 microEps,
        uint64 spentTotal
    );

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

    /// @notice DstackApp's name for `approve`: the caller, an owner, approves `composeHash`.
    /// @param composeHash The compose-hash.
    function addComposeHash(bytes32 composeHash) external onlyOwner {
        _approve(composeHash);
    }

    /// @notice DstackApp's name for `revoke`: the caller, an owner, revokes `composeHash`.
    /// @param composeHash The compose-hash.
    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        _revoke(composeHash);
    }

    /// @notice Whether `composeHash` is allowed: at least `threshold` owners approved it and
    ///         none revoked it.
    /// @param composeHash The compose-hash.
    /// @return allowed True iff allowed.
    function allowedComposeHashes(bytes32 composeHash) public view returns (bool allowed) {
        return !isRevoked[composeHash] && approvalCount[composeHash] >= threshold;
    }

    /// @notice DstackApp's boot check: may this app boot with this compose-hash?
    /// @dev Only `appId` and `composeHash` are examined; the other fields are for the KMS.
    /// @param bootInfo The boot information.
    /// @return allowed Whether it may.
    /// @return reason "" when allowed, else "wrong app", "compose hash revoked" or
    ///         "compose hash not approved by the quorum".
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
        if (approvalCount[bootInfo.composeHash] < threshold) {
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

    /// @notice The caller, an owner, approves `composeHash`; at the threshold-th approval the
    ///         hash becomes allowed and ComposeHashAdded is emitted.
    /// @dev Reverts "c2d: not an owner", "c2d: compose hash revoked", "c2d: already approved".
    /// @param composeHash The compose-hash.
    function approve(bytes32 composeHash) external onlyOwner {
        _approve(composeHash);
    }

    /// @notice The caller, an owner, revokes `composeHash`: for every owner, at once and for
    ///         ever. Any one owner may, whether or not it approved the hash.
    /// @dev Reverts "c2d: not an owner", "c2d: already revoked".
    /// @param composeHash The compose-hash.
    function revoke(bytes32 composeHash) external onlyOwner {
        _revoke(composeHash);
    }

    // --- privacy budgets -----------------------------------------------------------------

    /// @notice The caller, an owner, sets the cap of `datasetId`. The first owner to do so owns
    ///         the id; only it may change the cap afterwards, never below what is spent.
    /// @dev Reverts "c2d: not an owner", "c2d: dataset owned by another owner",
    ///      "c2d: cap below spent".
    /// @param datasetId The dataset id.
    /// @param capMicroEps The cap, in micro-epsilon.
    function setBudget(bytes32 datasetId, uint64 capMicroEps) external onlyOwner {
        Budget storage b = _budgets[datasetId];
        require(
            b.owner == address(0) || b.owner == msg.sender, "c2d: dataset owned by another owner"
        );
        require(capMicroEps >= b.spent, "c2d: cap below spent");

        b.owner = msg.sender;
        b.cap = capMicroEps;
        emit BudgetSet(datasetId, msg.sender, capMicroEps);
    }

    /// @notice The budget of `datasetId`; all zero when no owner set one.
    /// @param datasetId The dataset id.
    /// @return owner The dataset's owner.
    /// @return cap Its cap, in micro-epsilon.
    /// @return spent What the KMS spent of it, in micro-epsilon.
    function budgetOf(bytes32 datasetId)
        external
        view
        returns (address owner, uint64 cap, uint64 spent)
    {
        Budget storage b = _budgets[datasetId];
        return (b.owner, b.cap, b.spent);
    }

    /// @notice The KMS charges `microEps` to each of `datasetIds` for run `runId` of
    ///         `composeHash`, all or nothing: every check passes for every dataset before
    ///         anything is written.
    /// @dev Reverts "c2d: only the KMS", "c2d: compose hash not allowed",
    ///      "c2d: run already spent", "c2d: no datasets", "c2d: too many datasets",
    ///      "c2d: duplicate dataset", "c2d: no budget for dataset",
    ///      "c2d: dataset owner has not approved", "c2d: budget exceeded".
    /// @param composeHash The compose-hash the run executes.
    /// @param datasetIds The datasets the run reads: 1 to MAX_DATASETS distinct ids.
    /// @param microEps The epsilon charged to each dataset, in micro-epsilon.
    /// @param runId The run's id; each run is charged once.
    function spend(
        bytes32 composeHash,
        bytes32[] calldata datasetIds,
        uint64 microEps,
        bytes32 runId
    ) external {
        require(msg.sender == kms, "c2d: only the KMS");
        require(allowedComposeHashes(composeHash), "c2d: compose hash not allowed");
        require(!_runSpent[runId], "c2d: run already spent");
        uint256 n = datasetIds.length;
        require(n != 0, "c2d: no datasets");
        require(n <= MAX_DATASETS, "c2d: too many datasets");
        for (uint256 i = 0; i < n; i++) {
            bytes32 id = datasetIds[i];
            // Distinct ids, so that each check below sees the state its write will change.
            for (uint256 j = 0; j < i; j++) {
                require(datasetIds[j] != id, "c2d: duplicate dataset");
            }
            Budget storage b = _budgets[id];
            require(b.owner != address(0), "c2d: no budget for dataset");
            require(hasApproved[composeHash][b.owner], "c2d: dataset owner has not approved");
            // In 256 bits: the sum of two uint64 cannot overflow, so this cannot panic.
            require(uint256(b.spent) + microEps <= b.cap, "c2d: budget exceeded");
        }

        _runSpent[runId] = true;
        for (uint256 i = 0; i < n; i++) {
            Budget storage b = _budgets[datasetIds[i]];
            uint64 total = b.spent + microEps; // checked above: <= cap
            b.spent = total;
            emit Spent(runId, composeHash, datasetIds[i], microEps, total);
        }
    }

    // --- internals ------------------------------------------------------------------------

    function _approve(bytes32 composeHash) private {
        require(!isRevoked[composeHash], "c2d: compose hash revoked");
        require(!hasApproved[composeHash][msg.sender], "c2d: already approved");

        hasApproved[composeHash][msg.sender] = true;
        uint256 count = approvalCount[composeHash] + 1;
        approvalCount[composeHash] = count;
        emit Approved(composeHash, msg.sender, count);
        // Exactly once: the count only grows, by one at a time, and a revoked hash takes no
        // approval, so the count equals the threshold at one approval only.
        if (count == threshold) {
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
