// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title USDToken: the development payment token of the Weft market
/// @notice A plain ERC-20 "USD stablecoin" with 6 decimals, like the USD stablecoins deals are
///         paid with on public chains. Any ERC-20 can pay for a deal; this one exists so that
///         tests and `weft up` have a token to mint. `mint` is open on purpose: the token has no
///         value and only ever runs on development chains.
contract USDToken {
    string public constant name = "USD stablecoin";
    string public constant symbol = "USD";
    uint8 public constant decimals = 6;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// The sender (or `from`) holds less than the amount moved.
    error InsufficientBalance(address owner, uint256 balance, uint256 needed);
    /// The spender may move less of `owner`'s tokens than asked.
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    /// Tokens sent to the zero address would be lost.
    error TransferToZeroAddress();

    /// @notice Creates `amount` new tokens for `to` (development chains only).
    function mint(address to, uint256 amount) external {
        if (to == address(0)) revert TransferToZeroAddress();
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves `amount` of `from`'s tokens using the sender's allowance. An allowance of
    ///         `type(uint256).max` is treated as unlimited and never decreases.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance(from, msg.sender, allowed, amount);
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        if (to == address(0)) revert TransferToZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
