// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IMarket {
    function withdrawEarnings(address token, uint256 amount) external;
}

/// @title HostileToken: a payment token that attacks the market (tests only)
/// @notice When armed, paying out of the market re-enters `withdrawEarnings` to take the same
///         earnings twice. The market's guard must refuse the inner call, which reverts the
///         whole withdrawal. Never deployed outside tests.
contract HostileToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    address public market;

    function setTarget(address target) external {
        market = target;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (msg.sender == market && market != address(0)) {
            IMarket(market).withdrawEarnings(address(this), amount);
        }
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}
